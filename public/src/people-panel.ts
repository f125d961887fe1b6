/**
 * The people panel (right): one row per person in the open room — this
 * person first — or the other person of a private conversation, online or
 * away. A row's name opens the private conversation with the person; its
 * "tabs" button discloses their socket ids, each of which writes to that one
 * tab (`private message { to }`). A big room lists its first people and
 * loads the next page as the list is scrolled to its end (or with the
 * button there). Drawn with lit-html keyed by userId, so focus and open
 * disclosures survive every redraw; clicks are handled once for the list.
 */
import type { Person, User } from "../../server/protocol";
import { html, nothing, render, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { accountMark } from "./account-mark";
import { $, closestIn } from "./dom";
import { t } from "./i18n";
import { closePanels } from "./sidebar";

export type PeopleView =
  | { kind: "none" }
  | {
      kind: "room";
      room: string;
      me: Person;
      /** Everyone else known, in userId order. */
      others: readonly Person[];
      count: number;
      complete: boolean;
      /** A page is on its way. */
      loading: boolean;
    }
  | { kind: "dm"; peer: User; online: boolean | undefined };

export type PeoplePanelHooks = {
  /** Write to the person (every tab of theirs). */
  person(person: { userId: string; name: string }): void;
  /** Write to one tab of theirs. */
  tab(person: { userId: string; name: string }, socketId: string): void;
  /** Their tabs were disclosed: fetch them again. */
  tabsShown(userId: string): void;
  /** The end of the list was reached: fetch the next page. */
  more(): void;
};

export class PeoplePanel {
  private readonly list = $("online-list");
  private view: PeopleView = { kind: "none" };
  /** Whose tabs are disclosed. */
  private readonly expanded = new Set<string>();
  private readonly observer: IntersectionObserver | undefined;
  /** The "more" row is in view: the next page is due whenever none is loading. */
  private endInView = false;
  private observed: Element | null = null;
  /** How long the list was when the next page was last asked for by scrolling: asked once per length, so a failure is not retried in a loop. */
  private asked = "";

  constructor(private readonly hooks: PeoplePanelHooks) {
    this.list.addEventListener("click", (event) => this.clicked(event));
    this.observer =
      typeof IntersectionObserver === "function"
        ? new IntersectionObserver((entries) => {
            this.endInView = entries.some((e) => e.isIntersecting);
            this.loadIfDue();
          })
        : undefined;
  }

  render(view: PeopleView): void {
    this.view = view;
    if (view.kind === "none") {
      render(html`<li class="text-body-secondary">${t("people.none")}</li>`, this.list);
    } else if (view.kind === "dm") {
      render(this.peerRow(view.peer, view.online), this.list);
    } else {
      render(
        html`${this.meRow(view.me)}${repeat(
          view.others,
          (p) => p.userId,
          (p) => this.personRow(p),
        )}${view.complete ? nothing : this.moreRow(view)}`,
        this.list,
      );
    }
    const end = this.list.querySelector(".people-more");
    if (end !== this.observed) {
      this.observer?.disconnect();
      this.endInView = false;
      if (end) this.observer?.observe(end);
      this.observed = end;
    }
    this.loadIfDue();
  }

  private loadIfDue(): void {
    const view = this.view;
    if (!this.endInView || view.kind !== "room" || view.complete || view.loading) return;
    const key = `${view.room}\u0000${view.others.length}`;
    if (this.asked === key) return;
    this.asked = key;
    queueMicrotask(() => this.hooks.more());
  }

  private meRow(me: Person): TemplateResult {
    return html`<li class="person me" data-user-id=${me.userId}>
      <span class="person-name"><span class="presence-dot online" aria-hidden="true"></span><span>${t("me.you", { name: me.name })}</span>${accountMark(me.account)}</span>
      ${me.sockets.length > 1 ? html`<span class="person-tab-count">${t("people.tabs", { count: me.sockets.length })}</span>` : nothing}
    </li>`;
  }

  private personRow(p: Person): TemplateResult {
    const open = this.expanded.has(p.userId);
    const listId = `tabs-of-${p.userId}`;
    return html`<li class="person" data-user-id=${p.userId}>
      <div class="person-line">
        <button type="button" class="person-open" data-action="open" data-user-id=${p.userId} title=${t("people.message", { name: p.name })}
          ><span class="presence-dot online" aria-hidden="true"></span><span class="person-label">${p.name}${accountMark(p.account)}</span></button
        >
        <button
          type="button"
          class="person-tabs"
          data-action="tabs"
          data-user-id=${p.userId}
          aria-expanded=${open ? "true" : "false"}
          aria-controls=${listId}
        >
          ${t("people.tabs", { count: p.sockets.length })}<span class="visually-hidden">${t("people.tabsOf", { name: p.name })}</span>
        </button>
      </div>
      <ul id=${listId} class="person-tab-list list-unstyled" ?hidden=${!open}>
        ${repeat(
          p.sockets,
          (id) => id,
          (id) => html`<li>
            <button type="button" class="person-tab" data-action="tab" data-user-id=${p.userId} data-socket-id=${id}>
              <span class="visually-hidden">${t("people.writeTab", { name: p.name })} </span><code>${id}</code>
            </button>
          </li>`,
        )}
      </ul>
    </li>`;
  }

  private peerRow(peer: User, online: boolean | undefined): TemplateResult {
    const state = online === undefined ? "" : online ? "online" : "away";
    return html`<li class="person peer" data-user-id=${peer.userId}>
      <span class="person-name"
        >${state ? html`<span class="presence-dot ${state}" aria-hidden="true"></span>` : nothing}<span>${peer.name}${accountMark(peer.account)}</span></span
      >
      ${state ? html`<span class="person-state">${t(`people.${state}`)}</span>` : nothing}
    </li>`;
  }

  private moreRow(view: Extract<PeopleView, { kind: "room" }>): TemplateResult {
    const shown = view.others.length + 1;
    return html`<li class="people-more">
      <span class="people-listed">${t("people.listed", { shown, count: Math.max(view.count, shown) })}</span>
      <button type="button" class="btn btn-sm btn-outline-secondary" data-action="more" ?disabled=${view.loading}>
        ${view.loading ? t("messages.loading") : t("people.more")}
      </button>
    </li>`;
  }

  private clicked(event: Event): void {
    const button = closestIn<HTMLButtonElement>(event, this.list, "button[data-action]");
    if (!button || this.view.kind !== "room") return;
    const { action, userId, socketId } = button.dataset;
    if (action === "more") return this.hooks.more();
    const person = this.view.others.find((p) => p.userId === userId);
    if (!person || !userId) return;
    if (action === "tabs") {
      if (this.expanded.has(userId)) this.expanded.delete(userId);
      else {
        this.expanded.add(userId);
        this.hooks.tabsShown(userId);
      }
      this.render(this.view);
    } else if (action === "open") {
      closePanels();
      this.hooks.person(person);
    } else if (action === "tab" && socketId) {
      closePanels();
      this.hooks.tab(person, socketId);
    }
  }
}
