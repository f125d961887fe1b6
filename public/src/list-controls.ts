/**
 * How the reader works the message list, by keyboard, pointer and touch.
 *
 * Keyboard: the list is one Tab stop (the message with tabindex 0). On a
 * message, ArrowUp/ArrowDown move to the previous/next one (past the first,
 * or the last of a window away from the newest, the next page loads),
 * Home/End to the first/last loaded, PageUp/PageDown by a screenful; Enter (or the context-menu key,
 * or Shift+F10) opens its action bar and moves focus to its first action, and
 * Tab then walks that message's own controls; Escape closes what is open and
 * gives focus back to the message.
 *
 * Pointer and touch: the "…" button opens the action bar, and so does a long
 * press on a message; a long press on a reaction chip shows who reacted. A
 * plain tap opens nothing.
 */
import type { ChatMessage } from "../../server/protocol";

/** How long a touch must rest on a message to open its actions (phones have no hover). */
const LONG_PRESS_MS = 500;

export type MessageAction =
  | { kind: "reply" | "edit" | "delete"; message: ChatMessage }
  | { kind: "react"; message: ChatMessage; emoji: string; on: boolean };

/**
 * The message that is the list's Tab stop (`current`), and the one whose
 * action bar is open, whose quick reactions are shown, whose reactors are listed.
 */
export type ListState = { current: string; open: string; reacting: string; who: string };

export type ListControlsHooks = {
  /** Redraws the list from the state. */
  draw(): void;
  message(id: string): ChatMessage | undefined;
  me(): string;
  act(action: MessageAction): void;
  jump(id: string): void;
  loadOlder(): void;
  /** Pages in the newer messages of a window that does not reach the newest. */
  loadNewer(): void;
};

export class ListControls {
  constructor(
    private readonly list: HTMLElement,
    private readonly state: ListState,
    private readonly hooks: ListControlsHooks,
  ) {
    list.addEventListener("click", (event) => this.onClick(event));
    list.addEventListener("keydown", (event) => this.onKey(event));
    list.addEventListener("focusin", (event) => this.onFocusIn(event));
    list.addEventListener("focusout", (event) => this.onFocusOut(event));
    // A press anywhere outside the message whose actions are open closes them.
    document.addEventListener("pointerdown", (event) => {
      const open = this.state.open || this.state.reacting;
      if (open && this.itemOf(event.target)?.dataset.id !== open) {
        Object.assign(this.state, { open: "", reacting: "" });
        this.hooks.draw();
      }
    });
    this.setUpLongPress();
  }

  private itemOf(target: EventTarget | null): HTMLElement | null {
    return target instanceof Element ? target.closest<HTMLElement>("li[data-id]") : null;
  }

  private items(): HTMLElement[] {
    return [...this.list.querySelectorAll<HTMLElement>("li[data-id]")];
  }

  /** Closes the open action bar, quick reactions and reactors; true if something was open. */
  private close(): boolean {
    const { open, reacting, who } = this.state;
    Object.assign(this.state, { open: "", reacting: "", who: "" });
    if (!open && !reacting && !who) return false;
    this.hooks.draw();
    return true;
  }

  /** Opens a message's action bar; with `focus`, moves focus to its first action. */
  private open(item: HTMLElement, focus: boolean): void {
    if (item.classList.contains("deleted")) return;
    Object.assign(this.state, { open: item.dataset.id ?? "", reacting: "" });
    this.hooks.draw();
    if (focus) item.querySelector<HTMLElement>(".actions button")?.focus();
  }

  private onFocusIn(event: FocusEvent): void {
    const id = this.itemOf(event.target)?.dataset.id;
    if (id && id !== this.state.current) {
      this.state.current = id;
      this.hooks.draw();
    }
  }

  /** Focus leaving the message whose actions are open (for another message or control) closes them. */
  private onFocusOut(event: FocusEvent): void {
    const open = this.state.open || this.state.reacting;
    if (!open || !(event.relatedTarget instanceof Element)) return;
    if (this.itemOf(event.relatedTarget)?.dataset.id !== open) {
      Object.assign(this.state, { open: "", reacting: "" });
      this.hooks.draw();
    }
  }

  private onKey(event: KeyboardEvent): void {
    const item = this.itemOf(event.target);
    if (!item) return;
    if (event.key === "Escape") {
      if (this.close() || event.target !== item) {
        item.focus();
        event.preventDefault();
        event.stopPropagation();
      }
      return;
    }
    if (event.target !== item || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "Enter" || event.key === "ContextMenu" || (event.key === "F10" && event.shiftKey)) {
      event.preventDefault();
      this.open(item, true);
      return;
    }
    const items = this.items();
    const at = items.indexOf(item);
    let next: HTMLElement | undefined;
    if (event.key === "ArrowUp") {
      next = items[at - 1];
      if (at === 0) this.hooks.loadOlder();
    } else if (event.key === "ArrowDown") {
      next = items[at + 1];
      if (at === items.length - 1) this.hooks.loadNewer();
    }
    else if (event.key === "Home") next = items[0];
    else if (event.key === "End") next = items.at(-1);
    else if (event.key === "PageUp" || event.key === "PageDown") next = this.pageFrom(items, at, event.key === "PageDown" ? 1 : -1);
    else return;
    event.preventDefault();
    if (next && next !== item) {
      next.focus({ preventScroll: true });
      next.scrollIntoView({ block: "nearest" });
    }
  }

  /** The message about one screenful of the scroll pane away from `items[at]`. */
  private pageFrom(items: HTMLElement[], at: number, direction: 1 | -1): HTMLElement | undefined {
    const height = (this.list.closest(".messages") ?? this.list).clientHeight;
    const from = items[at]!.getBoundingClientRect().top;
    let next = items[at];
    for (let i = at + direction; i >= 0 && i < items.length; i += direction) {
      next = items[i];
      if (Math.abs(items[i]!.getBoundingClientRect().top - from) >= height * 0.9) break;
    }
    return next;
  }

  private onClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target : null;
    const item = this.itemOf(target);
    const id = item?.dataset.id ?? "";
    const button = target?.closest<HTMLButtonElement>("button");
    if (!item || !button || !item.contains(button)) {
      // A plain click or tap on a message opens nothing, and closes another message's actions.
      if (this.state.open && this.state.open !== id) this.close();
      return;
    }
    if (button.dataset.jump) return this.hooks.jump(button.dataset.jump);
    const message = this.hooks.message(id);
    if (!message) return;
    const emoji = button.dataset.react ?? button.dataset.reaction;
    if (emoji) {
      const mine = message.reactions?.find((r) => r.emoji === emoji)?.userIds.includes(this.hooks.me()) ?? false;
      if (button.dataset.react !== undefined) {
        // Picked from the quick row: the row closes, focus goes back to the message.
        Object.assign(this.state, { open: "", reacting: "" });
        this.hooks.draw();
        item.focus({ preventScroll: true });
      }
      return this.hooks.act({ kind: "react", message, emoji, on: !mine });
    }
    const action = button.dataset.action;
    if (action === "more") {
      if (this.state.open === id) {
        Object.assign(this.state, { open: "", reacting: "" });
        this.hooks.draw();
      } else {
        // From the keyboard (no pointer position), focus moves into the bar.
        this.open(item, event.detail === 0);
      }
    } else if (action === "react") {
      Object.assign(this.state, { open: id, reacting: this.state.reacting === id ? "" : id });
      this.hooks.draw();
      if (this.state.reacting) item.querySelector<HTMLElement>(".quick-reactions button")?.focus();
    } else if (action === "who") {
      this.state.who = this.state.who === id ? "" : id;
      this.hooks.draw();
    } else if (action === "reply" || action === "edit" || action === "delete") {
      Object.assign(this.state, { open: "", reacting: "" });
      this.hooks.draw();
      this.hooks.act({ kind: action, message });
    }
  }

  /**
   * A long press on a message opens its actions; on a reaction chip it shows
   * who reacted. The tap that ends a long press does nothing more (no click).
   */
  private setUpLongPress(): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let fired = false;
    this.list.addEventListener(
      "touchstart",
      (event) => {
        clearTimeout(timer);
        fired = false;
        const target = event.target instanceof Element ? event.target : null;
        const item = this.itemOf(target);
        if (!item || item.classList.contains("deleted")) return;
        const chip = target?.closest<HTMLElement>("button[data-reaction]");
        if (!chip && target?.closest("button, a")) return;
        timer = setTimeout(() => {
          fired = true;
          if (chip) {
            this.state.who = item.dataset.id ?? "";
            this.hooks.draw();
          } else {
            this.open(item, false);
          }
        }, LONG_PRESS_MS);
      },
      { passive: true },
    );
    const cancel = () => clearTimeout(timer);
    this.list.addEventListener("touchmove", cancel, { passive: true });
    this.list.addEventListener("touchcancel", cancel, { passive: true });
    this.list.addEventListener(
      "touchend",
      (event) => {
        cancel();
        if (fired && event.cancelable) event.preventDefault();
        fired = false;
      },
      { passive: false },
    );
  }
}
