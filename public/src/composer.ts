/**
 * The composer: a textarea that grows with its text, Enter to send and
 * Shift+Enter for a new line — never sending while an input method (Chinese
 * pinyin, Japanese kana…) is still composing — plus an emoji panel.
 */
import { $, $input, closestIn, el } from "./dom";

export type ComposerHooks = {
  send(text: string): void;
  /** The person started (true) or stopped (false) typing. */
  typing(active: boolean): void;
};

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
  private typingIdle: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly hooks: ComposerHooks) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      // keyCode 229: the key went to an input method (Safari ends composition before keydown).
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("input", () => {
      this.fit();
      this.hooks.typing(true);
      clearTimeout(this.typingIdle);
      this.typingIdle = setTimeout(() => this.hooks.typing(false), TYPING_IDLE_MS);
    });
    this.setUpEmoji();
  }

  focus(): void {
    this.input.focus();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.fit();
    clearTimeout(this.typingIdle);
    this.hooks.typing(false);
    this.hooks.send(text);
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
