/**
 * DOM helpers. User-supplied text only ever reaches the page through
 * `textContent` (the `el` helper); nothing here parses HTML.
 */
import type { User } from "../../server/protocol";
import type { Line } from "./channels";

export function $(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
}

/** Creates an element with classes, text and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { className?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  if (options.title !== undefined) node.title = options.title;
  for (const [k, v] of Object.entries(options.attrs ?? {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function renderLine(line: Line, me: string): HTMLLIElement {
  switch (line.type) {
    case "message": {
      const m = line.message;
      const at = new Date(m.createdAt);
      const mine = m.from.userId === me;
      return el(
        "li",
        { className: mine ? "mine" : "", attrs: { "data-id": m.id } },
        el(
          "div",
          { className: "meta" },
          el("span", { className: "from", text: mine ? `${m.from.name} (you)` : m.from.name, title: `socket ${m.from.socketId}` }),
          el("time", { text: timeFormat.format(at), title: dateTimeFormat.format(at), attrs: { datetime: m.createdAt } }),
        ),
        el("div", { className: "text", text: m.text }),
      );
    }
    case "pending":
      return el(
        "li",
        { className: "pending", attrs: { "data-client-id": line.clientId } },
        el("div", {
          className: "meta",
          text: line.failed ? `not sent: ${line.failed}` : line.offline ? "queued — will send when connected" : "sending…",
        }),
        el("div", { className: "text", text: line.text }),
      );
    case "notice":
      return el("li", { className: "system", text: line.text });
  }
}

/** One person in the online list; clicking opens a private conversation. */
export function renderMember(user: User, me: string, onPick: (user: User) => void): HTMLLIElement {
  if (user.userId === me) {
    return el(
      "li",
      { className: "py-1 px-2" },
      el("span", { text: `${user.name} (you)` }),
      el("br"),
      el("code", { text: user.socketId }),
    );
  }
  const button = el(
    "button",
    { className: "btn btn-sm btn-light", attrs: { type: "button", "data-socket-id": user.socketId } },
    el("span", { text: user.name }),
    el("br"),
    el("code", { text: user.socketId }),
  );
  button.addEventListener("click", () => onPick(user));
  return el("li", {}, button);
}
