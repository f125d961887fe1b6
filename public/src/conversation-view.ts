/**
 * The open conversation: its lines grouped by sender and day, kept at the
 * bottom while the reader is there, a "new messages" pill instead of jumping
 * when they scrolled up, and new messages from others announced to screen
 * readers.
 *
 * It shows the channel's window of messages (see `Channel.atNewest`): older
 * pages come in when the reader nears the top, newer ones when they near the
 * bottom of a window that does not reach the newest, and the far end of the
 * window goes, so the list stays a few hundred nodes long however long the
 * history. Whatever is added or removed, the message the reader looks at
 * stays at the same pixel. A conversation opened with unread messages shows
 * a "new since you last read" divider above the first of them, and opens
 * there when they run past a screen.
 *
 * The list is drawn with lit-html, keyed by message id: a message that did
 * not change keeps its node, so focus and a text selection inside it survive
 * every redraw. The list is one Tab stop (one message has tabindex 0: the
 * last one focused, else the newest); the arrow keys, Home, End, PageUp and
 * PageDown move between messages, Enter opens the focused message's actions
 * and Escape closes them (see list-controls.ts).
 */
import { html, render, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { Attachment, ChatMessage } from "../../server/protocol";
import type { AttachmentFiles } from "./attachment-files";
import { messageSummary } from "./attachment-view";
import type { Channel, Line } from "./channels";
import { $, closestIn } from "./dom";
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
  /** Fetches the page after the newest message of a window not at the newest; resolves when rendered. */
  loadNewer(channel: Channel): Promise<void>;
  /** Replaces a window away from the newest with the newest page; resolves when rendered. */
  toNewest(channel: Channel): Promise<void>;
  /** The reader sees the newest message of the conversation. */
  readToEnd(channel: Channel): void;
  /** A message action was picked: reply, edit, delete, or toggling a reaction. */
  act(action: MessageAction): void;
  /** A reply's quote was clicked: show the quoted message (wherever it lies in the history). */
  jump(channel: Channel, id: string): void;
  /** Who a userId is, for naming the people who reacted. */
  nameOf(userId: string): string | undefined;
  /** The account a userId is signed in as, if any (mentions of accounts carry the mark). */
  accountOf(userId: string): string | undefined;
  /** Where attachments' thumbnails come from. */
  files: AttachmentFiles;
  /** An attachment was clicked: an image opens full size, another file downloads. */
  openAttachment(attachment: Attachment, opener: HTMLElement): void;
};

export type { MessageAction };

type Drawn = { lines: readonly Line[]; me: string; mentionsMe: (m: ChatMessage) => boolean };
type Shown = { key: string; line: ShownLine | { type: "unread" }; cont: boolean; mention: boolean; quoteDeleted: boolean };

export class ConversationView {
  private readonly pane = $("messages");
  private readonly list = $("message-list");
  private readonly pill = $("new-pill");
  private readonly older = $("older");
  private readonly newer = $("newer");
  private readonly announcer = $("announcer");
  private readonly state: ListState = { current: "", open: "", reacting: "", who: "" };
  private drawn: Drawn | undefined;
  private channel: Channel | undefined;
  private me = "";
  private newest = "";
  private unseen = 0;
  private loading = false;
  private drawing = false;
  /** The divider this view has already scrolled to (it does so once per opening). */
  private placed = "";
  /** Whether the window drawn last was the newest one. */
  private drawnAtNewest = true;
  /** The messages still being sent that the last drawing showed, by clientId. */
  private pendingShown = new Set<string>();

  constructor(private readonly hooks: ConversationHooks) {
    this.pane.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.pill.addEventListener("click", () => void this.toNewest());
    this.older.addEventListener("click", () => void this.load("older"));
    this.newer.addEventListener("click", () => void this.load("newer"));
    // Relative times age while the page is open.
    setInterval(() => this.draw(), 30_000);
    this.list.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.list, "[data-open-attachment],[data-download-attachment]");
      if (!button) return;
      const id = button.dataset.openAttachment ?? button.dataset.downloadAttachment;
      const messageId = button.closest<HTMLElement>("li[data-id]")?.dataset.id;
      const attachment = messageId ? this.channel?.messages.get(messageId)?.attachments?.find((a) => a.id === id) : undefined;
      if (attachment) this.hooks.openAttachment(attachment, button);
    });
    new ListControls(this.list, this.state, {
      draw: () => this.draw(),
      message: (id) => this.channel?.messages.get(id),
      me: () => this.me,
      act: (action) => this.hooks.act(action),
      jump: (id) => {
        if (this.channel) this.hooks.jump(this.channel, id);
      },
      loadOlder: () => void this.load("older"),
      loadNewer: () => void this.load("newer"),
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
      this.placed = "";
      this.pane.setAttribute("aria-label", t("messages.label", { title: channel.title }));
    }
    // At the end of a window that was already the newest: a window that just reached the newest keeps the reader's place.
    const atEnd = switched || (this.drawnAtNewest && this.atEnd());
    const anchor = switched ? undefined : this.anchor();
    const messages = lines.flatMap((l) => (l.type === "message" ? [l.message] : []));
    const newest = messages.at(-1)?.id ?? "";
    // Only live messages count as arrived: pages loaded by scrolling or a jump do not.
    const live = new Set(channel.recent.map((m) => m.id));
    const arrived = switched || this.newest === "" ? [] : messages.filter((m) => m.id > this.newest && live.has(m.id));
    const fromOthers = arrived.filter((m) => m.from.userId !== me);

    this.drawn = { lines, me, mentionsMe };
    this.draw();
    this.older.hidden = !channel.hasMore;
    this.newer.hidden = channel.atNewest;
    this.newest = newest;

    // Only a message this person has just queued brings them down, not one waiting since earlier.
    const pending = new Set(lines.flatMap((l) => (l.type === "pending" && !l.failed ? [l.clientId] : [])));
    const queuedNow = [...pending].some((id) => !this.pendingShown.has(id));
    this.pendingShown = pending;
    this.drawnAtNewest = channel.atNewest;
    const sentByMe = arrived.length > fromOthers.length || queuedNow;
    const divider = this.list.querySelector<HTMLElement>("li.unread-divider");
    if (divider && channel.unreadFrom !== this.placed) {
      // Opened with unread messages: start at the first of them, unless they all fit on the screen.
      this.placed = channel.unreadFrom ?? "";
      if (this.pane.scrollHeight - divider.offsetTop > this.pane.clientHeight) this.pane.scrollTop = divider.offsetTop - EDGE;
      else this.scrollToEnd();
    } else if (channel.atNewest && !channel.locating && (atEnd || (sentByMe && fromOthers.length === 0))) {
      this.scrollToEnd();
    } else {
      if (anchor) this.keep(anchor);
      if (fromOthers.length > 0) this.unseen += fromOthers.length;
    }
    this.renderPill();
    const last = fromOthers.at(-1);
    if (last) this.announcer.textContent = t("messages.announce", { name: last.from.name, text: messageSummary(last) });
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

  /** Scrolls to the newest message held and, when that is the conversation's newest, forgets the unseen count. */
  scrollToEnd(): void {
    this.pane.scrollTop = this.pane.scrollHeight;
    const channel = this.channel;
    if (!channel?.atNewest || channel.locating) return;
    this.unseen = 0;
    this.renderPill();
    this.hooks.readToEnd(channel);
  }

  /** The reader is at (or near) the newest message of the conversation. */
  atEnd(): boolean {
    return (this.channel?.atNewest ?? true) && this.atBottom(EDGE);
  }

  private atBottom(within: number): boolean {
    return this.pane.scrollHeight - this.pane.scrollTop - this.pane.clientHeight < within;
  }

  private item(id: string): HTMLElement | null {
    return id ? this.list.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"]`) : null;
  }

  /** The topmost message in view and where it is: what the reader's place is measured by. */
  private anchor(): { id: string; top: number } | undefined {
    const top = this.pane.getBoundingClientRect().top;
    for (const li of this.list.querySelectorAll<HTMLElement>("li[data-id]")) {
      const box = li.getBoundingClientRect();
      if (box.bottom > top) return { id: li.dataset.id ?? "", top: box.top };
    }
    return undefined;
  }

  /** Scrolls so that the anchor is where it was (lines were added or removed above it). */
  private keep(anchor: { id: string; top: number }): void {
    const node = this.item(anchor.id);
    if (node) this.pane.scrollTop += node.getBoundingClientRect().top - anchor.top;
  }

  /** The pill: how many new messages wait below, or the way back to the newest from an old window. */
  private renderPill(): void {
    const channel = this.channel;
    const away = channel !== undefined && !channel.atNewest;
    const count = away ? channel.beyond : this.unseen;
    this.pill.hidden = count === 0 && !away;
    if (!this.pill.hidden) this.pill.textContent = `${count > 0 ? t("messages.newPill", { count }) : t("messages.toNewest")} ↓`;
  }

  private async toNewest(): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    if (!channel.atNewest) await this.hooks.toNewest(channel);
    if (channel === this.channel) this.scrollToEnd();
  }

  private onScroll(): void {
    // At the end of the newest window, whatever brought the reader there (scrolling down from the divider too).
    if (this.channel?.atNewest && this.atEnd()) {
      if (this.unseen > 0) {
        this.unseen = 0;
        this.renderPill();
      }
      this.hooks.readToEnd(this.channel);
    }
    // A screen ahead, so that scrolling on rarely waits.
    const ahead = Math.max(EDGE, this.pane.clientHeight);
    if (this.pane.scrollTop < ahead) void this.load("older");
    else if (this.channel && !this.channel.atNewest && this.atBottom(ahead)) void this.load("newer");
  }

  private async load(direction: "older" | "newer"): Promise<void> {
    const channel = this.channel;
    if (!channel || this.loading || (direction === "older" ? !channel.hasMore : channel.atNewest)) return;
    this.loading = true;
    const button = direction === "older" ? this.older : this.newer;
    button.textContent = t("messages.loading");
    try {
      await (direction === "older" ? this.hooks.loadOlder(channel) : this.hooks.loadNewer(channel));
    } finally {
      this.loading = false;
      this.older.textContent = t("messages.older");
      this.newer.textContent = t("messages.newer");
    }
    // Still near that end (a long scroll, or a short page): on to the next page.
    if (channel === this.channel) this.onScroll();
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
    const shown: Shown[] = [];
    const unreadFrom = this.channel?.unreadFrom;
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
      if (m.id === unreadFrom) {
        shown.push({ key: "unread", line: { type: "unread" }, cont: false, mention: false, quoteDeleted: false });
        previous = undefined;
      }
      const cont =
        previous?.type === "message" &&
        previous.message.from.userId === m.from.userId &&
        // Under a new name, or now an account: said again (a guest who became an account starts a new run).
        previous.message.from.name === m.from.name &&
        previous.message.from.account === m.from.account &&
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
              if (s.line.type === "unread") return unreadDivider();
              const id = s.line.type === "message" ? s.line.message.id : "";
              return lineTemplate(s.line, {
                me,
                cont: s.cont,
                mention: s.mention,
                quoteDeleted: s.quoteDeleted,
                nameOf: this.hooks.nameOf,
                accountOf: this.hooks.accountOf,
                files: this.hooks.files,
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

/** The line above the first message that was unread when the conversation was opened. */
function unreadDivider(): TemplateResult {
  return html`<li class="unread-divider"><span>${t("messages.unreadDivider")}</span></li>`;
}
