/**
 * The composer: a textarea that grows with its text, Enter to send and
 * Shift+Enter for a new line — never sending while an input method (Chinese
 * pinyin, Japanese kana…) is still composing — plus an emoji panel.
 */
import type { ChatMessage, User } from "../../server/protocol";
import { $, $input, closestIn, el } from "./dom";
import { t } from "./i18n";

export type ComposerHooks = {
  /**
   * `mentions`: the userIds of the people picked with @-completion whose
   * @name is still in the text; `replyTo`: the message being answered.
   */
  send(text: string, mentions: string[], replyTo: string | undefined): void;
  /** Saves a new text for one of this person's messages. */
  edit(id: string, text: string): void;
  /** The person started (true) or stopped (false) typing. */
  typing(active: boolean): void;
  /** Who can be mentioned here (the open room's members), for @-completion. */
  people(): readonly User[];
};

/** What the composer is doing besides writing a new message. */
type Mode = { kind: "new" } | { kind: "reply"; message: ChatMessage } | { kind: "edit"; message: ChatMessage };

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

export class Composer {
  private readonly form = $("composer");
  private readonly input = $input<HTMLTextAreaElement>("text");
  private readonly emojiButton = $("emoji-button");
  private readonly panel = $("emoji-panel");
  private readonly suggestions = $("mention-list");
  private typingIdle: ReturnType<typeof setTimeout> | undefined;
  /** People picked with @-completion: name → userId. */
  private readonly picked = new Map<string, string>();
  private shown: User[] = [];
  private selected = 0;
  private mode: Mode = { kind: "new" };
  private draft = "";

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
      if (event.key !== "Enter" || event.shiftKey) return;
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("input", () => {
      this.fit();
      this.suggest();
      this.hooks.typing(true);
      clearTimeout(this.typingIdle);
      this.typingIdle = setTimeout(() => this.hooks.typing(false), TYPING_IDLE_MS);
    });
    this.setUpEmoji();
    this.suggestions.addEventListener("mousedown", (event) => event.preventDefault());
    this.suggestions.addEventListener("click", (event) => {
      const option = closestIn<HTMLElement>(event, this.suggestions, "[data-user-id]");
      const user = this.shown.find((u) => u.userId === option?.dataset.userId);
      if (user) this.complete(user);
    });
    this.input.addEventListener("blur", () => this.closeSuggestions());
    $("composer-context-cancel").addEventListener("click", () => this.cancelMode());
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

  /** The banner above the box and the button's label, in the current language. */
  renderMode(): void {
    const banner = $("composer-context");
    banner.hidden = this.mode.kind === "new";
    const cancel = $("composer-context-cancel");
    if (this.mode.kind === "reply") {
      const { message } = this.mode;
      $("composer-context-text").textContent = `${t("reply.banner", { name: message.from.name })}: ${message.text}`;
      cancel.setAttribute("aria-label", t("reply.cancel"));
    } else if (this.mode.kind === "edit") {
      $("composer-context-text").textContent = t("edit.banner");
      cancel.setAttribute("aria-label", t("edit.cancel"));
    }
    $("send").textContent = t(this.mode.kind === "edit" ? "composer.save" : "composer.send");
  }

  focus(): void {
    this.input.focus();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    const mode = this.mode;
    this.input.value = mode.kind === "edit" ? this.draft : "";
    this.mode = { kind: "new" };
    this.renderMode();
    this.fit();
    this.closeSuggestions();
    clearTimeout(this.typingIdle);
    this.hooks.typing(false);
    if (mode.kind === "edit") {
      if (text !== mode.message.text) this.hooks.edit(mode.message.id, text);
      return;
    }
    const mentions = [...this.picked].filter(([name]) => text.includes(`@${name}`)).map(([, userId]) => userId);
    this.picked.clear();
    this.hooks.send(text, [...new Set(mentions)], mode.kind === "reply" ? mode.message.id : undefined);
  }

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
        el("li", {
          className: `list-group-item list-group-item-action${i === this.selected ? " active" : ""}`,
          text: user.name,
          attrs: { id: `mention-${i}`, role: "option", "aria-selected": String(i === this.selected), "data-user-id": user.userId },
        }),
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

  private setUpEmoji(): void {
    this.panel.append(
      ...EMOJI.map((emoji) => el("button", { text: emoji, attrs: { type: "button", "data-emoji": emoji, "aria-label": emoji } })),
    );
    const toggle = (open: boolean) => {
      this.panel.hidden = !open;
      this.emojiButton.setAttribute("aria-expanded", String(open));
      if (open) this.panel.querySelector<HTMLButtonElement>("button")?.focus();
    };
    this.emojiButton.addEventListener("click", () => toggle(this.panel.hidden !== false));
    this.panel.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.panel, "button[data-emoji]");
      if (!button?.dataset.emoji) return;
      this.insert(button.dataset.emoji);
      toggle(false);
    });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        toggle(false);
        this.emojiButton.focus();
      }
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
