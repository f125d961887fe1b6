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
};

export class ConversationView {
  private readonly pane = $("messages");
  private readonly list = $("message-list");
  private readonly pill = $("new-pill");
  private readonly older = $("older");
  private readonly announcer = $("announcer");
  /** Rendered message nodes by id, reused while their look does not change. */
  private readonly nodes = new Map<string, { signature: string; node: HTMLLIElement }>();
  private channel: Channel | undefined;
  private newest = "";
  private oldest = "";
  private unseen = 0;
  private loading = false;

  constructor(private readonly hooks: ConversationHooks) {
    this.pane.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.pill.addEventListener("click", () => this.scrollToEnd());
    this.older.addEventListener("click", () => void this.loadOlder());
    setInterval(() => refreshTimes(this.list), 30_000);
  }

  /** Draws `lines` of `channel` as seen by `me`; `mentionsMe` picks the messages to highlight. */
  render(channel: Channel, lines: readonly Line[], me: string, mentionsMe: (m: ChatMessage) => boolean): void {
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
      const signature = `${currentLocale()}|${cont}|${mentioned}|${m.text}`;
      let cached = this.nodes.get(m.id);
      if (cached?.signature !== signature) {
        cached = { signature, node: renderLine(line, { me, cont, mention: mentioned }) };
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
