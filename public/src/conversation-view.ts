/**
 * The open conversation: its lines grouped by sender and day, kept at the
 * bottom while the reader is there, a "new messages" pill instead of jumping
 * when they scrolled up, older messages paged in when they reach the top,
 * and new messages from others announced to screen readers.
 */
import type { ChatMessage } from "../../server/protocol";
import type { Channel, Line } from "./channels";
import { $, el } from "./dom";
import { dayKey, dayLabel } from "./format";
import { currentLocale, t } from "./i18n";
import { refreshTimes, renderLine, type ShownLine } from "./message-line";

/** Messages of one sender closer together than this share one header. */
const GROUP_MS = 5 * 60_000;
/** How close to an edge (px) counts as being there. */
const EDGE = 48;

export type ConversationHooks = {
  /** Fetches the page before the oldest message held; resolves when rendered. */
  loadOlder(channel: Channel): Promise<void>;
  /** The reader sees the newest message of the conversation. */
  readToEnd(channel: Channel): void;
  /** A message action was picked: reply, edit, delete, or toggling a reaction. */
  act(action: MessageAction): void;
  /** A reply's quote was clicked: show the quoted message (loading older pages if needed). */
  jump(channel: Channel, id: string): void;
  /** Who a userId is, for naming the people who reacted. */
  nameOf(userId: string): string | undefined;
};

export type MessageAction =
  | { kind: "reply" | "edit" | "delete"; message: ChatMessage }
  | { kind: "react"; message: ChatMessage; emoji: string; on: boolean };

/** How long a touch must rest on a message to open its actions (phones have no hover). */
const LONG_PRESS_MS = 500;

export class ConversationView {
  private readonly pane = $("messages");
  private readonly list = $("message-list");
  private readonly pill = $("new-pill");
  private readonly older = $("older");
  private readonly announcer = $("announcer");
  /** Rendered message nodes by id, reused while their look does not change. */
  private readonly nodes = new Map<string, { signature: string; node: HTMLLIElement }>();
  private channel: Channel | undefined;
  private me = "";
  private newest = "";
  private oldest = "";
  private unseen = 0;
  private loading = false;

  constructor(private readonly hooks: ConversationHooks) {
    this.pane.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.pill.addEventListener("click", () => this.scrollToEnd());
    this.older.addEventListener("click", () => void this.loadOlder());
    setInterval(() => refreshTimes(this.list), 30_000);
    this.list.addEventListener("click", (event) => this.onClick(event));
    this.setUpLongPress();
  }

  private onClick(event: Event): void {
    const target = event.target instanceof Element ? event.target : null;
    const item = target?.closest<HTMLElement>("li[data-id]");
    const message = item ? this.channel?.messages.get(item.dataset.id ?? "") : undefined;
    if (!target || !item || !message || !this.channel) return;
    const button = target.closest<HTMLElement>("button");
    if (!button) return;
    if (button.dataset.jump) return this.hooks.jump(this.channel, button.dataset.jump);
    const emoji = button.dataset.react ?? button.dataset.reaction;
    if (emoji) {
      const mine = message.reactions?.find((r) => r.emoji === emoji)?.userIds.includes(this.me) ?? false;
      this.closeActions();
      return this.hooks.act({ kind: "react", message, emoji, on: !mine });
    }
    const action = button.dataset.action;
    if (action === "react") {
      const row = item.querySelector<HTMLElement>(".quick-reactions");
      if (row) {
        row.hidden = !row.hidden;
        item.classList.toggle("show-actions", !row.hidden);
        if (!row.hidden) row.querySelector("button")?.focus();
      }
    } else if (action === "reply" || action === "edit" || action === "delete") {
      this.closeActions();
      this.hooks.act({ kind: action, message });
    }
  }

  /** A long press on a message shows its actions (and keeps them until another message is pressed). */
  private setUpLongPress(): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cancel = () => clearTimeout(timer);
    this.list.addEventListener(
      "touchstart",
      (event) => {
        const item = event.target instanceof Element ? event.target.closest<HTMLElement>("li[data-id]") : null;
        if (!item || item.classList.contains("deleted")) return;
        timer = setTimeout(() => {
          this.closeActions();
          item.classList.add("show-actions");
        }, LONG_PRESS_MS);
      },
      { passive: true },
    );
    for (const type of ["touchend", "touchmove", "touchcancel"]) this.list.addEventListener(type, cancel, { passive: true });
  }

  /** Hides every message's action bar and quick-reaction row. */
  closeActions(): void {
    for (const item of this.list.querySelectorAll(".show-actions")) item.classList.remove("show-actions");
    for (const row of this.list.querySelectorAll<HTMLElement>(".quick-reactions")) row.hidden = true;
  }

  /** Draws `lines` of `channel` as seen by `me`; `mentionsMe` picks the messages to highlight. */
  render(channel: Channel, lines: readonly Line[], me: string, mentionsMe: (m: ChatMessage) => boolean): void {
    this.me = me;
    const switched = channel !== this.channel;
    if (switched) {
      this.channel = channel;
      this.nodes.clear();
      this.unseen = 0;
      this.pane.setAttribute("aria-label", t("messages.label", { title: channel.title }));
    }
    const atEnd = switched || this.atEnd();
    const before = { height: this.pane.scrollHeight, top: this.pane.scrollTop };
    const messages = lines.flatMap((l) => (l.type === "message" ? [l.message] : []));
    const newest = messages.at(-1)?.id ?? "";
    const oldest = messages[0]?.id ?? "";
    const arrived = switched ? [] : messages.filter((m) => m.id > this.newest && this.newest !== "");
    const fromOthers = arrived.filter((m) => m.from.userId !== me);
    const prepended = !switched && oldest !== "" && this.oldest !== "" && oldest < this.oldest;

    this.list.replaceChildren(...this.build(lines, me, mentionsMe));
    this.older.hidden = !channel.hasMore;
    this.newest = newest;
    this.oldest = oldest;

    const sentByMe = arrived.length > fromOthers.length || lines.some((l) => l.type === "pending" && !l.failed);
    if (atEnd || (sentByMe && fromOthers.length === 0)) {
      this.scrollToEnd();
    } else if (prepended) {
      // Keep the reader's place when older messages appear above it.
      this.pane.scrollTop = before.top + (this.pane.scrollHeight - before.height);
    } else if (fromOthers.length > 0) {
      this.unseen += fromOthers.length;
      this.showPill();
    }
    const last = fromOthers.at(-1);
    if (last) this.announcer.textContent = t("messages.announce", { name: last.from.name, text: last.text });
  }

  /** Scrolls a held message into view, highlights it briefly and moves focus to it. */
  reveal(id: string): boolean {
    const node = this.list.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"]`);
    if (!node) return false;
    node.scrollIntoView({ block: "center" });
    node.classList.remove("flash");
    void node.offsetWidth; // restart the animation
    node.classList.add("flash");
    node.tabIndex = -1;
    node.focus({ preventScroll: true });
    return true;
  }

  /** Scrolls to the newest message and forgets the unseen count. */
  scrollToEnd(): void {
    this.pane.scrollTop = this.pane.scrollHeight;
    this.unseen = 0;
    this.pill.hidden = true;
    if (this.channel) this.hooks.readToEnd(this.channel);
  }

  /** The reader is at (or near) the newest message. */
  atEnd(): boolean {
    return this.pane.scrollHeight - this.pane.scrollTop - this.pane.clientHeight < EDGE;
  }

  private showPill(): void {
    this.pill.textContent = `${t("messages.newPill", { count: this.unseen })} ↓`;
    this.pill.hidden = false;
  }

  private onScroll(): void {
    if (this.atEnd() && (this.unseen > 0 || !this.pill.hidden)) {
      this.unseen = 0;
      this.pill.hidden = true;
      if (this.channel) this.hooks.readToEnd(this.channel);
    }
    if (this.pane.scrollTop < EDGE) void this.loadOlder();
  }

  private async loadOlder(): Promise<void> {
    const channel = this.channel;
    if (!channel?.hasMore || this.loading) return;
    this.loading = true;
    this.older.textContent = t("messages.loading");
    try {
      await this.hooks.loadOlder(channel);
    } finally {
      this.loading = false;
      this.older.textContent = t("messages.older");
    }
  }

  private build(lines: readonly Line[], me: string, mentionsMe: (m: ChatMessage) => boolean): HTMLLIElement[] {
    const shown: HTMLLIElement[] = [];
    let day = "";
    let previous: Line | undefined;
    for (const line of lines) {
      const at = line.type === "message" ? line.message.createdAt : line.type === "notice" ? line.at : "";
      if (at) {
        const date = new Date(at);
        if (dayKey(date) !== day) {
          day = dayKey(date);
          shown.push(renderLine({ type: "day", id: day, label: dayLabel(date) } satisfies ShownLine, { me, cont: false, mention: false }));
          previous = undefined;
        }
      }
      if (line.type !== "message") {
        shown.push(renderLine(line, { me, cont: false, mention: false }));
        previous = line;
        continue;
      }
      const m = line.message;
      const cont =
        previous?.type === "message" &&
        previous.message.from.userId === m.from.userId &&
        Date.parse(m.createdAt) - Date.parse(previous.message.createdAt) < GROUP_MS;
      const mentioned = m.from.userId !== me && mentionsMe(m);
      const quoteDeleted =
        m.replyTo !== undefined &&
        (m.replyTo.deleted === true || this.channel?.messages.get(m.replyTo.id)?.deletedAt !== undefined);
      // A message's rev changes with every edit, deletion or reaction.
      const signature = `${currentLocale()}|${cont}|${mentioned}|${quoteDeleted}|${m.rev}`;
      let cached = this.nodes.get(m.id);
      if (cached?.signature !== signature) {
        cached = { signature, node: renderLine(line, { me, cont, mention: mentioned, nameOf: this.hooks.nameOf, quoteDeleted }) };
        this.nodes.set(m.id, cached);
      }
      shown.push(cached.node);
      previous = line;
    }
    if (shown.length === 0) shown.push(el("li", { className: "empty", text: t("messages.empty") }));
    if (this.nodes.size > shown.length * 2) this.pruneNodes(lines);
    return shown;
  }

  private pruneNodes(lines: readonly Line[]): void {
    const held = new Set(lines.flatMap((l) => (l.type === "message" ? [l.message.id] : [])));
    for (const id of this.nodes.keys()) if (!held.has(id)) this.nodes.delete(id);
  }
}
