/**
 * Searching messages: the search box (in the rooms panel), the results over
 * the conversation, newest first with "More results", and a jump to a
 * result in its conversation.
 */
import type { Ack, ChatMessage, Page } from "../../server/protocol";
import { $, $input, closestIn, el } from "./dom";
import { exactTime, shortTime } from "./format";
import { errorText, t } from "./i18n";
import { closePanels } from "./sidebar";

export type SearchHooks = {
  search(q: string, before?: string): Promise<Ack<Page>>;
  /** Opens the message's conversation and shows the message. */
  open(message: ChatMessage): void;
  /** Where a message was written: "# room", "@ person", "Everyone". */
  where(message: ChatMessage): string;
};

export class SearchView {
  private readonly form = $("search-form");
  private readonly input = $input<HTMLInputElement>("search");
  private readonly panel = $("search-results");
  private readonly list = $("search-list");
  private readonly status = $("search-status");
  private readonly more = $("search-more");
  private query = "";
  private results: ChatMessage[] = [];

  constructor(private readonly hooks: SearchHooks) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const q = this.input.value.trim();
      if (!q) return;
      closePanels();
      void this.run(q);
    });
    this.more.addEventListener("click", () => void this.run(this.query, this.results.at(-1)?.id));
    $("search-close").addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    this.list.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.list, "button[data-id]");
      const message = this.results.find((m) => m.id === button?.dataset.id);
      if (!message) return;
      this.close();
      this.hooks.open(message);
    });
  }

  private async run(q: string, before?: string): Promise<void> {
    const res = await this.hooks.search(q, before);
    if (!before) {
      this.query = q;
      this.results = [];
    }
    this.panel.hidden = false;
    if (!res.ok) {
      this.status.textContent = errorText(res.error);
      return;
    }
    this.results.push(...res.messages);
    this.render(res.hasMore);
    if (!before) $("search-heading").focus();
  }

  /** Redraws the results (also after a switch of language). */
  render(hasMore = !this.more.hidden): void {
    if (this.panel.hidden) return;
    this.status.textContent = this.results.length ? t("search.results", { count: this.results.length }) : t("search.none");
    this.more.hidden = !hasMore;
    this.list.replaceChildren(
      ...this.results.map((m) => {
        const at = new Date(m.createdAt);
        return el(
          "li",
          {},
          el(
            "button",
            { className: "search-hit", attrs: { type: "button", "data-id": m.id } },
            el(
              "span",
              { className: "meta" },
              el("span", { className: "where", text: this.hooks.where(m) }),
              el("span", { className: "from", text: m.from.name }),
              el("time", { text: shortTime(at), title: exactTime(at), attrs: { datetime: m.createdAt } }),
            ),
            el("span", { className: "text", text: m.text }),
          ),
        );
      }),
    );
  }

  close(): void {
    this.panel.hidden = true;
  }
}
