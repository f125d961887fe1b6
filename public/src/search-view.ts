/**
 * Searching messages: the search box (in the rooms panel), the results over
 * the conversation, newest first with "More results", what matched marked
 * in each, and a jump to a result in its conversation. Keyboard: after a
 * search the focus is on the first result (or the heading when there is
 * none); the arrow keys, Home and End move between results; Enter opens one;
 * Escape closes the results and returns to the search box.
 */
import { html, render } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { Ack, ChatMessage, Page } from "../../server/protocol";
import { $, $input, closestIn } from "./dom";
import { exactTime, shortTime } from "./format";
import { highlighted } from "./highlight";
import { errorText, t } from "./i18n";
import { closePanels } from "./sidebar";

export type SearchHooks = {
  search(q: string, before?: string): Promise<Ack<Page>>;
  /** Opens the message's conversation and shows the message. */
  open(message: ChatMessage): void;
  /** Where a message was written: "# room", "@ person", "Everyone". */
  where(message: ChatMessage): string;
};

const HIT = "button.search-hit";

export class SearchView {
  private readonly form = $("search-form");
  private readonly input = $input<HTMLInputElement>("search");
  private readonly panel = $("search-results");
  private readonly list = $("search-list");
  private readonly status = $("search-status");
  private readonly more = $("search-more");
  private query = "";
  private results: ChatMessage[] = [];
  private hasMore = false;
  /** The error of the last request, shown instead of a count. */
  private error: string | undefined;
  /** Counts requests, so that only the latest one's answer is shown. */
  private asked = 0;

  constructor(private readonly hooks: SearchHooks) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const q = this.input.value.trim();
      if (!q) return;
      closePanels();
      void this.run(q);
    });
    this.more.addEventListener("click", () => void this.run(this.query, this.results.at(-1)?.id));
    $("search-close").addEventListener("click", () => this.close(true));
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close(true);
      } else this.move(event);
    });
    this.list.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.list, `${HIT}[data-id]`);
      const message = this.results.find((m) => m.id === button?.dataset.id);
      if (!message) return;
      this.close(false);
      this.hooks.open(message);
    });
  }

  private async run(q: string, before?: string): Promise<void> {
    const asked = ++this.asked;
    const res = await this.hooks.search(q, before);
    if (asked !== this.asked) return;
    const shown = before ? this.results.length : 0;
    if (!before) {
      this.query = q;
      this.results = [];
      this.hasMore = false;
    }
    this.panel.hidden = false;
    this.error = res.ok ? undefined : errorText(res.error);
    if (res.ok) {
      this.results.push(...res.messages);
      this.hasMore = res.hasMore;
    }
    this.render();
    // The first new result (the first of all after a new search), or the heading when there is none.
    const target = this.hits()[shown] ?? (before && !this.more.hidden ? this.more : $("search-heading"));
    target.focus();
    // On a phone the rooms panel, closing, gives the focus back to its button once closed: take it back.
    const sidebar = $("sidebar");
    if (sidebar.classList.contains("show") || sidebar.classList.contains("hiding")) {
      const refocus = () => {
        if (!this.panel.hidden) target.focus();
      };
      sidebar.addEventListener("hidden.bs.offcanvas", refocus, { once: true });
    }
  }

  /** Redraws the results (also after a switch of language). */
  render(): void {
    if (this.panel.hidden) return;
    const count = this.results.length;
    this.status.textContent =
      this.error ??
      (count === 0 ? t("search.none") : this.hasMore ? t("search.resultsMore", { count }) : t("search.results", { count }));
    // After a failed "More results" the button stays, to try again.
    this.more.hidden = !this.hasMore;
    const q = this.query;
    render(
      html`${repeat(
        this.results,
        (m) => m.id,
        (m) => {
          const at = new Date(m.createdAt);
          return html`<li>
            <button type="button" class="search-hit" data-id=${m.id}>
              <span class="meta">
                <span class="where">${this.hooks.where(m)}</span>
                <span class="from">${m.from.name}</span>
                <time datetime=${m.createdAt} title=${exactTime(at)}>${shortTime(at)}</time>
              </span>
              <span class="text">${highlighted(m.text, q)}</span>
            </button>
          </li>`;
        },
      )}`,
      this.list,
    );
  }

  /** Hides the results; `refocus` puts the focus back where searches are typed. */
  close(refocus: boolean): void {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    if (!refocus) return;
    // On a phone the search box is in the closed rooms panel: then the button that opens it.
    if (this.input.checkVisibility({ visibilityProperty: true })) this.input.focus();
    else $("open-sidebar").focus();
  }

  private hits(): HTMLElement[] {
    return [...this.list.querySelectorAll<HTMLElement>(HIT)];
  }

  /** Arrow keys, Home and End between results. */
  private move(event: KeyboardEvent): void {
    const current = closestIn<HTMLElement>(event, this.list, HIT);
    if (!current || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const hits = this.hits();
    const at = hits.indexOf(current);
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: hits.length - 1 };
    const to = moves[event.key];
    if (to === undefined) return;
    event.preventDefault();
    hits[Math.max(0, Math.min(hits.length - 1, to))]?.focus();
  }
}
