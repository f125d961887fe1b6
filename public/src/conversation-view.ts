/**
 * The open conversation: its lines grouped by sender and day, kept at the
 * bottom while the reader is there, a "new messages" pill instead of jumping
 * when they scrolled up, older messages paged in when they reach the top,
 * and new messages from others announced to screen readers.
 *
 * The list is drawn with lit-html, keyed by message id: a message that did
 * not change keeps its node, so focus and a text selection inside it survive
 * every redraw. The list is one Tab stop (one message has tabindex 0: the
 * last one focused, else the newest); the arrow keys, Home, End, PageUp and
 * PageDown move between messages, Enter opens the focused message's actions
 * and Escape closes them (see list-controls.ts).
 */
import { render } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { ChatMessage } from "../../server/protocol";
import type { Channel, Line } from "./channels";
import { $ } from "./dom";
import { dayKey, dayLabel } from "./format";
import { t } from "./i18n";
import { emptyTemplate, lineTemplate, type ShownLine } from "./message-line";
import { ListControls, type ListState, type MessageAction } from "./list-controls";

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

export type { MessageAction };

type Drawn = { lines: readonly Line[]; me: string; mentionsMe: (m: ChatMessage) => boolean };

export class ConversationView {
  private readonly pane = $("messages");
  private readonly list = $("message-list");
  private readonly pill = $("new-pill");
  private readonly older = $("older");
  private readonly announcer = $("announcer");
  private readonly state: ListState = { current: "", open: "", reacting: "", who: "" };
  private drawn: Drawn | undefined;
  private channel: Channel | undefined;
  private me = "";
  private newest = "";
  private oldest = "";
  private unseen = 0;
  private loading = false;
  private drawing = false;

  constructor(private readonly hooks: ConversationHooks) {
    this.pane.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.pill.addEventListener("click", () => this.scrollToEnd());
    this.older.addEventListener("click", () => void this.loadOlder());
    // Relative times age while the page is open.
    setInterval(() => this.draw(), 30_000);
    new ListControls(this.list, this.state, {
      draw: () => this.draw(),
      message: (id) => this.channel?.messages.get(id),
      me: () => this.me,
      act: (action) => this.hooks.act(action),
      jump: (id) => {
        if (this.channel) this.hooks.jump(this.channel, id);
      },
      loadOlder: () => void this.loadOlder(),
    });
  }

  /** Draws `lines` of `channel` as seen by `me`; `mentionsMe` picks the messages to highlight. */
  render(channel: Channel, lines: readonly Line[], me: string, mentionsMe: (m: ChatMessage) => boolean): void {
    this.me = me;
    const switched = channel !== this.channel;
    if (switched) {
      this.channel = channel;
      Object.assign(this.state, { current: "", open: "", reacting: "", who: "" });
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

    this.drawn = { lines, me, mentionsMe };
    this.draw();
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
    const node = this.item(id);
    if (!node) return false;
    node.scrollIntoView({ block: "center" });
    node.classList.remove("flash");
    void node.offsetWidth; // restart the animation
    node.classList.add("flash");
    this.focusMessage(id);
    return true;
  }

  /**
   * Moves focus to a message (after a dialog about it closed, say), or, when
   * it is no longer shown, to the list's Tab stop.
   */
  focusMessage(id: string): void {
    if (this.item(id)) this.state.current = id;
    this.draw();
    const node = this.item(this.state.current) ?? this.list.querySelector<HTMLElement>("li[data-id][tabindex='0']");
    node?.focus({ preventScroll: true });
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

  private item(id: string): HTMLElement | null {
    return id ? this.list.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"]`) : null;
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

  /** (Re)draws the list from the lines last given, keeping unchanged nodes. */
  private draw(): void {
    if (!this.drawn) return;
    // Focus events fired while the list is being changed ask for another drawing: after this one.
    if (this.drawing) return void queueMicrotask(() => this.draw());
    this.drawing = true;
    try {
      this.drawLines(this.drawn);
    } finally {
      this.drawing = false;
    }
  }

  private drawLines({ lines, me, mentionsMe }: Drawn): void {
    const ids = new Set(lines.flatMap((l) => (l.type === "message" ? [l.message.id] : [])));
    const state = this.state;
    if (!ids.has(state.current)) state.current = [...ids].at(-1) ?? "";
    for (const key of ["open", "reacting", "who"] as const) if (!ids.has(state[key])) state[key] = "";
    const now = new Date();
    const shown: { key: string; line: ShownLine; cont: boolean; mention: boolean; quoteDeleted: boolean }[] = [];
    let day = "";
    let previous: Line | undefined;
    for (const line of lines) {
      const at = line.type === "message" ? line.message.createdAt : line.type === "notice" ? line.at : "";
      if (at) {
        const date = new Date(at);
        if (dayKey(date) !== day) {
          day = dayKey(date);
          shown.push({ key: `day:${day}`, line: { type: "day", id: day, label: dayLabel(date, now) }, cont: false, mention: false, quoteDeleted: false });
          previous = undefined;
        }
      }
      if (line.type !== "message") {
        const key = line.type === "pending" ? `pending:${line.clientId}` : `notice:${line.id}`;
        shown.push({ key, line, cont: false, mention: false, quoteDeleted: false });
        previous = line;
        continue;
      }
      const m = line.message;
      const cont =
        previous?.type === "message" &&
        previous.message.from.userId === m.from.userId &&
        Date.parse(m.createdAt) - Date.parse(previous.message.createdAt) < GROUP_MS;
      const mention = m.from.userId !== me && mentionsMe(m);
      const quoteDeleted =
        m.replyTo !== undefined &&
        (m.replyTo.deleted === true || this.channel?.messages.get(m.replyTo.id)?.deletedAt !== undefined);
      shown.push({ key: `m:${m.id}`, line, cont, mention, quoteDeleted });
      previous = line;
    }
    const template =
      shown.length === 0
        ? emptyTemplate()
        : repeat(
            shown,
            (s) => s.key,
            (s) => {
              const id = s.line.type === "message" ? s.line.message.id : "";
              return lineTemplate(s.line, {
                me,
                cont: s.cont,
                mention: s.mention,
                quoteDeleted: s.quoteDeleted,
                nameOf: this.hooks.nameOf,
                current: id !== "" && id === state.current,
                open: id !== "" && id === state.open,
                reacting: id !== "" && id === state.reacting,
                who: id !== "" && id === state.who,
                now,
              });
            },
          );
    render(template, this.list);
  }
}
