/**
 * The composer: a textarea that grows with its text, Enter to send and
 * Shift+Enter for a new line — never sending while an input method (Chinese
 * pinyin, Japanese kana…) is still composing — plus an emoji panel usable by
 * keyboard, one draft per conversation kept across reloads (drafts.ts), a
 * counter near the text limit, Up in an empty box to edit one's last
 * message, and files to send with the message (protocol v1.2 attachments):
 * picked with the attach button (on phones the picker offers the camera),
 * pasted or dropped, uploaded at once (uploads.ts) and shown in a tray with
 * their progress. Sending while files are still uploading sends as soon as
 * they are stored.
 */
import { html, render } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { LIMITS } from "../../server/names";
import type { Attachment, ChatMessage, User } from "../../server/protocol";
import { accountMarkNode } from "./account-mark";
import { trayTemplate } from "./attachment-view";
import { $, $input, closestIn, el } from "./dom";
import { Drafts, limitState } from "./drafts";
import { currentLocale, t } from "./i18n";
import { Uploads, type Upload } from "./uploads";

export type ComposerHooks = {
  /**
   * `mentions`: the userIds of the people picked with @-completion whose
   * @name is still in the text; `replyTo`: the message being answered;
   * `attachments`: the files stored for it (text may then be "").
   */
  send(text: string, mentions: string[], replyTo: string | undefined, attachments: Attachment[]): void;
  /** Saves a new text for one of this person's messages. */
  edit(id: string, text: string): void;
  /** The person started (true) or stopped (false) typing. */
  typing(active: boolean): void;
  /** Who can be mentioned here (the open room's members), for @-completion. */
  people(): readonly User[];
  /** This person's newest message in the open conversation that is not deleted (Up edits it). */
  lastOwn(): ChatMessage | undefined;
  /** The signed-in person's userId: drafts are kept per person. */
  owner(): string;
  /** The headers that say who uploads (a guest's token; a signed-in browser sends its cookie). */
  identity(): Record<string, string>;
};

/** What the composer is doing besides writing a new message. */
type Mode = { kind: "new" } | { kind: "reply"; message: ChatMessage } | { kind: "edit"; message: ChatMessage };

/** Where the text stands against the limit; a change of zone is announced. */
type Zone = "ok" | "near" | "over";

/** The "@partial name" being typed right before the caret. */
const MENTION_QUERY = /(?:^|\s)@([^\s@]{0,24})$/u;
const SUGGESTIONS_MAX = 8;

const EMOJI = [
  "😀", "😂", "🥲", "😊", "😍", "🤔", "😮", "😢",
  "😡", "😴", "🙏", "👍", "👎", "👏", "🙌", "💪",
  "🎉", "❤️", "🔥", "✨", "✅", "❌", "👀", "💡",
  "📚", "✏️", "☕", "🍵", "🌙", "☀️", "🇨🇳", "🚀",
];
/** How long without a keystroke before "typing" ends. */
const TYPING_IDLE_MS = 2500;
/** How long after the last keystroke the draft is written to storage (and at once when the page goes away). */
const DRAFT_SAVE_MS = 300;

/**
 * Where a key moves the focus in a grid of `count` cells, `columns` wide
 * (arrows; Home/End within the row, with Ctrl the whole grid), or undefined
 * for a key that does not move it.
 */
function gridMove(key: string, ctrl: boolean, index: number, count: number, columns: number): number | undefined {
  const rowStart = index - (index % columns);
  switch (key) {
    case "ArrowRight":
      return Math.min(index + 1, count - 1);
    case "ArrowLeft":
      return Math.max(index - 1, 0);
    case "ArrowDown":
      return index + columns < count ? index + columns : index;
    case "ArrowUp":
      return index - columns >= 0 ? index - columns : index;
    case "Home":
      return ctrl ? 0 : rowStart;
    case "End":
      return ctrl ? count - 1 : Math.min(rowStart + columns - 1, count - 1);
    default:
      return undefined;
  }
}

export class Composer {
  private readonly form = $("composer");
  private readonly input = $input<HTMLTextAreaElement>("text");
  private readonly emojiButton = $("emoji-button");
  private readonly panel = $("emoji-panel");
  private readonly suggestions = $("mention-list");
  private readonly counter = $("text-count");
  private readonly counterLive = $("text-count-live");
  private readonly error = $("text-error");
  /** The server's text limit, as the page was given it. */
  private readonly textMax = Number($("app").dataset.textMax) || LIMITS.textMax;
  private readonly drafts = new Drafts(localStorage, this.textMax);
  private typingIdle: ReturnType<typeof setTimeout> | undefined;
  private draftTimer: ReturnType<typeof setTimeout> | undefined;
  /** People picked with @-completion: name → userId. */
  private readonly picked = new Map<string, string>();
  private shown: User[] = [];
  private selected = 0;
  private mode: Mode = { kind: "new" };
  /** The new message being written, put aside while editing an older one. */
  private draft = "";
  /** The conversation whose draft is in the box. */
  private channel: string | undefined;
  private zone: Zone = "ok";
  /** A send was refused for length, and the text is still too long. */
  private refused = false;
  /** The emoji that has the panel's one tab stop. */
  private emojiFocus = 0;
  private readonly uploads: Uploads;
  private readonly tray = $("upload-tray");
  private readonly uploadStatus = $("upload-status");
  /** Local previews of the images in the tray, by upload key. */
  private readonly previews = new Map<string, string>();
  /** Send was pressed while files were still uploading: the message goes once they are stored. */
  private sendWhenUploaded = false;

  constructor(private readonly hooks: ComposerHooks) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      // keyCode 229: the key went to an input method (Safari ends composition before keydown).
      if (event.isComposing || event.keyCode === 229) return;
      if (this.onSuggestionKey(event)) return;
      if (event.key === "Escape" && this.mode.kind !== "new") {
        event.preventDefault();
        this.cancelMode();
        return;
      }
      if (event.key === "ArrowUp" && this.editLast(event)) return;
      if (event.key !== "Enter" || event.shiftKey) return;
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("input", () => {
      this.fit();
      this.suggest();
      this.renderLimit();
      this.saveDraftSoon();
      this.hooks.typing(true);
      clearTimeout(this.typingIdle);
      this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
    });
    this.setUpEmoji();
    this.uploads = new Uploads(
      { changed: (settled) => this.uploadsChanged(settled), headers: () => this.hooks.identity() },
      Number($("app").dataset.uploadMax) || 10 * 1024 * 1024,
    );
    this.setUpFiles();
    this.suggestions.addEventListener("mousedown", (event) => event.preventDefault());
    this.suggestions.addEventListener("click", (event) => {
      const option = closestIn<HTMLElement>(event, this.suggestions, "[data-user-id]");
      const user = this.shown.find((u) => u.userId === option?.dataset.userId);
      if (user) this.complete(user);
    });
    this.input.addEventListener("blur", () => this.closeSuggestions());
    $("composer-context-cancel").addEventListener("click", () => this.cancelMode());
    // A reload or a closed tab keeps what was typed in the last moments too.
    window.addEventListener("pagehide", () => this.saveDraft());
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) this.saveDraft();
    });
  }

  /**
   * The conversation `channel` is open: the draft of the one left is kept,
   * the one of `channel` comes back into the box.
   */
  show(channel: string): void {
    if (channel === this.channel) return;
    this.saveDraft();
    if (this.typingIdle !== undefined) this.stopTyping();
    this.channel = channel;
    this.sendWhenUploaded = false;
    this.renderTray();
    this.input.value = this.drafts.get(this.hooks.owner(), channel);
    this.refused = false;
    this.fit();
    this.closeSuggestions();
    this.renderLimit(false);
  }

  /** Answers `message`: the next message sent quotes it. */
  reply(message: ChatMessage): void {
    if (this.mode.kind === "edit") this.cancelMode();
    this.mode = { kind: "reply", message };
    this.renderMode();
    this.input.focus();
  }

  /** Puts one of this person's messages into the box to change it; Enter saves, Escape cancels. */
  edit(message: ChatMessage): void {
    if (this.mode.kind !== "edit") this.draft = this.input.value;
    this.mode = { kind: "edit", message };
    this.input.value = message.text;
    this.fit();
    this.renderMode();
    this.input.focus();
    this.input.setSelectionRange(message.text.length, message.text.length);
  }

  /** Back to writing a new message (an edit gives the draft back). */
  cancelMode(): void {
    if (this.mode.kind === "edit") {
      this.input.value = this.draft;
      this.fit();
    }
    this.mode = { kind: "new" };
    this.renderMode();
  }

  /** The banner above the box, the button's label and the limit's counter, in the current language. */
  renderMode(): void {
    const banner = $("composer-context");
    banner.hidden = this.mode.kind === "new";
    const cancel = $("composer-context-cancel");
    if (this.mode.kind === "reply") {
      const { message } = this.mode;
      $("composer-context-text").textContent = t("reply.banner", { name: message.from.name, text: message.text });
      cancel.setAttribute("aria-label", t("reply.cancel"));
    } else if (this.mode.kind === "edit") {
      $("composer-context-text").textContent = t("edit.banner");
      cancel.setAttribute("aria-label", t("edit.cancel"));
    }
    $("send").textContent = t(this.mode.kind === "edit" ? "composer.save" : "composer.send");
    this.renderLimit(false);
  }

  focus(): void {
    this.input.focus();
  }

  private submit(): void {
    const text = this.input.value.trim();
    const channel = this.channel;
    const withFiles = this.mode.kind !== "edit" && channel !== undefined && this.uploads.of(channel).length > 0;
    if (withFiles && this.uploads.busy(channel)) {
      // Sent by uploadsChanged once the last file is stored.
      this.sendWhenUploaded = true;
      this.renderTray();
      return;
    }
    const attachments = withFiles ? this.uploads.take(channel) : [];
    this.sendWhenUploaded = false;
    if (!text && attachments.length === 0) return;
    if (limitState(text, this.textMax).over) {
      // Refused here, as the server would: the text stays to be shortened.
      this.refused = true;
      this.renderLimit(false);
      this.input.focus();
      return;
    }
    const mode = this.mode;
    this.input.value = mode.kind === "edit" ? this.draft : "";
    this.mode = { kind: "new" };
    this.renderMode();
    this.fit();
    this.closeSuggestions();
    clearTimeout(this.typingIdle);
    this.typingIdle = undefined;
    this.hooks.typing(false);
    if (mode.kind === "edit") {
      if (text !== mode.message.text) this.hooks.edit(mode.message.id, text);
      return;
    }
    this.saveDraft();
    const mentions = [...this.picked].filter(([name]) => text.includes(`@${name}`)).map(([, userId]) => userId);
    this.picked.clear();
    this.hooks.send(text, [...new Set(mentions)], mode.kind === "reply" ? mode.message.id : undefined, attachments);
  }

  // ---- files -----------------------------------------------------------------

  /** Adds files to the open conversation's tray; they start uploading at once. */
  addFiles(files: Iterable<File>): void {
    if (this.channel === undefined) return;
    const list = [...files];
    if (list.length === 0) return;
    for (const u of this.uploads.add(this.channel, list)) {
      if (u.state !== "failed" && u.file.type.startsWith("image/")) this.previews.set(u.key, URL.createObjectURL(u.file));
    }
    this.renderTray();
  }

  private setUpFiles(): void {
    const picker = $input<HTMLInputElement>("attach-input");
    $("attach-button").addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      this.addFiles(picker.files ?? []);
      picker.value = "";
      this.input.focus();
    });
    // A pasted screenshot or copied image; pasted text stays text.
    this.input.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      if (!event.clipboardData?.types.includes("text/plain")) event.preventDefault();
      this.addFiles(files);
    });
    const zone = $("conversation");
    const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") === true;
    let depth = 0;
    zone.addEventListener("dragenter", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth += 1;
      zone.dataset.dropLabel = t("upload.drop");
      zone.classList.add("dropping");
    });
    zone.addEventListener("dragover", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    });
    zone.addEventListener("dragleave", (event) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) zone.classList.remove("dropping");
    });
    zone.addEventListener("drop", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      zone.classList.remove("dropping");
      this.addFiles(event.dataTransfer?.files ?? []);
      this.input.focus();
    });
    this.tray.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.tray, "[data-remove-upload]");
      const key = button?.dataset.removeUpload;
      if (!key) return;
      const buttons = [...this.tray.querySelectorAll<HTMLElement>("[data-remove-upload]")];
      const next = buttons[buttons.indexOf(button) + 1] ?? buttons[buttons.indexOf(button) - 1];
      this.uploads.remove(key);
      this.dropPreview(key);
      // Focus stays in the tray while it has files, else goes back to the text.
      (next?.isConnected ? next : this.input).focus();
    });
  }

  private uploadsChanged(settled?: Upload): void {
    this.renderTray();
    if (!settled || settled.channel !== this.channel) return;
    const name = settled.file.name || t("upload.unnamed");
    this.uploadStatus.textContent =
      settled.state === "done" ? t("upload.announceDone", { name }) : t("upload.announceFailed", { name, reason: t(`upload.failed.${settled.failure ?? "other"}`) });
    if (!this.sendWhenUploaded || this.uploads.busy(settled.channel)) return;
    if (this.uploads.of(settled.channel).some((u) => u.state === "failed")) {
      // Not sent without a file that was meant to go with it: the person decides.
      this.sendWhenUploaded = false;
      this.renderTray();
      return;
    }
    this.submit();
  }

  private dropPreview(key: string): void {
    const url = this.previews.get(key);
    if (url) URL.revokeObjectURL(url);
    this.previews.delete(key);
  }

  private renderTray(): void {
    const uploads = this.channel === undefined ? [] : this.uploads.of(this.channel);
    // Sent or removed: their previews go.
    for (const key of this.previews.keys()) if (!this.uploads.has(key)) this.dropPreview(key);
    render(trayTemplate(uploads, (u) => this.previews.get(u.key)), this.tray);
    this.tray.hidden = uploads.length === 0;
    const waiting = this.sendWhenUploaded && uploads.some((u) => u.state === "uploading" || u.state === "waiting");
    $("upload-waiting").hidden = !waiting;
  }

  /** Up in an empty box: edits this person's last message here. True when it did. */
  private editLast(event: KeyboardEvent): boolean {
    if (event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return false;
    if (this.mode.kind === "edit" || this.input.value !== "" || this.input.selectionStart !== 0) return false;
    const message = this.hooks.lastOwn();
    if (!message) return false;
    event.preventDefault();
    this.edit(message);
    return true;
  }

  private stopTyping(): void {
    clearTimeout(this.typingIdle);
    this.typingIdle = undefined;
    this.hooks.typing(false);
  }

  // ---- drafts --------------------------------------------------------------

  /** The new message being written (while editing, the one put aside). */
  private draftText(): string {
    return this.mode.kind === "edit" ? this.draft : this.input.value;
  }

  private saveDraftSoon(): void {
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => this.saveDraft(), DRAFT_SAVE_MS);
  }

  private saveDraft(): void {
    clearTimeout(this.draftTimer);
    if (this.channel !== undefined) this.drafts.set(this.hooks.owner(), this.channel, this.draftText());
  }

  // ---- the limit -----------------------------------------------------------

  /**
   * The counter (from 90 % of the limit; in a warning style past it), the
   * refusal next to the field, and — only when the text moves into another
   * zone — one polite announcement of it.
   */
  private renderLimit(announce = true): void {
    const { count, near, over } = limitState(this.input.value, this.textMax);
    const number = new Intl.NumberFormat(currentLocale());
    this.counter.hidden = !near;
    this.counter.textContent = near ? t("composer.count", { n: number.format(count), max: number.format(this.textMax) }) : "";
    this.counter.classList.toggle("over", over);
    const zone: Zone = over ? "over" : near ? "near" : "ok";
    if (zone !== this.zone && announce) {
      this.counterLive.textContent =
        zone === "over"
          ? t("composer.over", { count: count - this.textMax, n: number.format(count - this.textMax) })
          : zone === "near"
            ? t("composer.left", { count: this.textMax - count, n: number.format(this.textMax - count) })
            : "";
    }
    this.zone = zone;
    if (!over) this.refused = false;
    this.error.textContent = this.refused ? t("composer.tooLong", { n: number.format(count), max: number.format(this.textMax) }) : "";
    if (over) this.input.setAttribute("aria-invalid", "true");
    else this.input.removeAttribute("aria-invalid");
  }

  // ---- @-completion ----------------------------------------------------------

  /** Shows the people whose name starts with the "@…" being typed. */
  private suggest(): void {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const query = MENTION_QUERY.exec(before)?.[1];
    if (query === undefined) return this.closeSuggestions();
    const lower = query.toLocaleLowerCase();
    const seen = new Set<string>();
    this.shown = this.hooks
      .people()
      .filter((u) => u.name.toLocaleLowerCase().startsWith(lower) && !seen.has(u.userId) && seen.add(u.userId))
      .slice(0, SUGGESTIONS_MAX);
    if (this.shown.length === 0) return this.closeSuggestions();
    this.selected = 0;
    this.renderSuggestions();
  }

  private renderSuggestions(): void {
    this.suggestions.replaceChildren(
      ...this.shown.map((user, i) =>
        el(
          "li",
          {
            className: `list-group-item list-group-item-action${i === this.selected ? " active" : ""}`,
            text: user.name,
            attrs: { id: `mention-${i}`, role: "option", "aria-selected": String(i === this.selected), "data-user-id": user.userId },
          },
          ...(user.account ? [accountMarkNode(user.account)] : []),
        ),
      ),
    );
    this.suggestions.hidden = false;
    this.input.setAttribute("aria-activedescendant", `mention-${this.selected}`);
  }

  private closeSuggestions(): void {
    this.shown = [];
    this.suggestions.hidden = true;
    this.input.removeAttribute("aria-activedescendant");
  }

  /** Arrow keys, Enter/Tab and Escape while suggestions are open; true when the key was used. */
  private onSuggestionKey(event: KeyboardEvent): boolean {
    if (this.suggestions.hidden || this.shown.length === 0) return false;
    const move = event.key === "ArrowDown" ? 1 : event.key === "ArrowUp" ? -1 : 0;
    if (move !== 0) {
      this.selected = (this.selected + move + this.shown.length) % this.shown.length;
      this.renderSuggestions();
    } else if (event.key === "Enter" || event.key === "Tab") {
      this.complete(this.shown[this.selected]!);
    } else if (event.key === "Escape") {
      this.closeSuggestions();
    } else {
      return false;
    }
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  /** Replaces the "@…" being typed with "@Name " and remembers whom it means. */
  private complete(user: User): void {
    const caret = this.input.selectionStart;
    const before = this.input.value.slice(0, caret);
    const match = MENTION_QUERY.exec(before);
    if (!match) return this.closeSuggestions();
    const start = caret - match[1]!.length;
    this.input.setRangeText(`${user.name} `, start, caret, "end");
    this.picked.set(user.name, user.userId);
    this.closeSuggestions();
    this.input.focus();
  }

  /** Grows the textarea to its content, up to the CSS max-height (then it scrolls). */
  private fit(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${this.input.scrollHeight + 2}px`;
  }

  // ---- emoji -----------------------------------------------------------------

  /** Emoji per row: as many as the panel's CSS lays out (`--emoji-columns`; fewer, larger ones on touch screens). */
  private emojiColumns(): number {
    const columns = Number.parseInt(getComputedStyle(this.panel).getPropertyValue("--emoji-columns"), 10);
    return columns > 0 ? columns : 8;
  }

  /** The panel as a grid (rows of `emojiColumns()`) with one tab stop, the emoji last focused. */
  private renderEmoji(): void {
    const columns = this.emojiColumns();
    const rows: { start: number; emoji: string[] }[] = [];
    for (let start = 0; start < EMOJI.length; start += columns) rows.push({ start, emoji: EMOJI.slice(start, start + columns) });
    render(
      html`${repeat(
        rows,
        (row) => `${columns}:${row.start}`,
        (row) =>
          html`<div role="row" class="emoji-row">${repeat(
            row.emoji,
            (emoji) => emoji,
            (emoji, i) =>
              html`<span role="gridcell"><button type="button" class="emoji-choice" data-emoji=${emoji} aria-label=${emoji}
                tabindex=${row.start + i === this.emojiFocus ? "0" : "-1"}>${emoji}</button></span>`,
          )}</div>`,
      )}`,
      this.panel,
    );
  }

  private emojiButtons(): HTMLButtonElement[] {
    return [...this.panel.querySelectorAll<HTMLButtonElement>("button[data-emoji]")];
  }

  private focusEmoji(index: number): void {
    this.emojiFocus = index;
    this.renderEmoji();
    this.emojiButtons()[index]?.focus();
  }

  private setUpEmoji(): void {
    const toggle = (open: boolean) => {
      this.panel.hidden = !open;
      this.emojiButton.setAttribute("aria-expanded", String(open));
      if (open) this.focusEmoji(this.emojiFocus);
    };
    this.renderEmoji();
    this.emojiButton.addEventListener("click", () => toggle(this.panel.hidden !== false));
    this.panel.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.panel, "button[data-emoji]");
      if (!button?.dataset.emoji) return;
      this.insert(button.dataset.emoji);
      toggle(false);
    });
    this.panel.addEventListener("focusin", (event) => {
      const index = this.emojiButtons().indexOf(event.target as HTMLButtonElement);
      if (index >= 0 && index !== this.emojiFocus) {
        this.emojiFocus = index;
        this.renderEmoji();
      }
    });
    // Tabbing (or clicking) away from the panel closes it.
    this.panel.addEventListener("focusout", (event) => {
      const next = event.relatedTarget;
      if (next instanceof Node && !this.panel.contains(next) && next !== this.emojiButton) toggle(false);
    });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        toggle(false);
        this.emojiButton.focus();
        return;
      }
      const buttons = this.emojiButtons();
      const index = buttons.indexOf(event.target as HTMLButtonElement);
      if (index < 0) return;
      const next = gridMove(event.key, event.ctrlKey || event.metaKey, index, buttons.length, this.emojiColumns());
      if (next === undefined) return;
      event.preventDefault();
      this.focusEmoji(next);
    });
    document.addEventListener("click", (event) => {
      if (!this.panel.hidden && event.target instanceof Node && !this.panel.parentElement?.contains(event.target)) toggle(false);
    });
  }

  /** Inserts text at the caret (replacing a selection) and puts the caret after it. */
  private insert(text: string): void {
    const { selectionStart, selectionEnd } = this.input;
    this.input.setRangeText(text, selectionStart, selectionEnd, "end");
    this.input.dispatchEvent(new Event("input"));
    this.input.focus();
  }
}
