/**
 * Turns one line of a conversation into DOM: a message (with its sender and
 * time unless it continues the previous sender's run), a message still being
 * sent, a notice, or a day separator. Text goes in through textContent only;
 * links are built as elements whose href passed `linkify`'s http(s) check.
 */
import type { ChatMessage } from "../../server/protocol";
import type { Line } from "./channels";
import { el } from "./dom";
import { exactTime, shortTime } from "./format";
import { t } from "./i18n";
import { linkify } from "./linkify";

/** A line as shown: with `cont` when it continues the same sender's run. */
export type ShownLine = Line | { type: "day"; id: string; label: string };

/** The text of a message with its links as anchors. */
export function messageText(text: string): HTMLDivElement {
  const node = el("div", { className: "text" });
  for (const segment of linkify(text)) {
    if (segment.href === undefined) {
      node.append(segment.text);
    } else {
      const link = el("a", { text: segment.text, attrs: { target: "_blank", rel: "noopener noreferrer" } });
      link.href = segment.href;
      node.append(link);
    }
  }
  return node;
}

/** A `<time>` showing a relative time, refreshed by `refreshTimes`, exact on hover. */
export function timeElement(iso: string): HTMLTimeElement {
  const at = new Date(iso);
  return el("time", { text: shortTime(at), title: exactTime(at), attrs: { datetime: iso } });
}

/** Re-renders every relative time under `root` (they age while the page is open). */
export function refreshTimes(root: ParentNode): void {
  const now = new Date();
  for (const node of root.querySelectorAll<HTMLTimeElement>("time[datetime]")) {
    node.textContent = shortTime(new Date(node.dateTime), now);
  }
}

export type MessageOptions = { me: string; cont: boolean; mention: boolean };

export function renderMessage(m: ChatMessage, { me, cont, mention }: MessageOptions): HTMLLIElement {
  const mine = m.from.userId === me;
  const classes = ["msg", mine ? "mine" : "", cont ? "cont" : "", mention ? "mention" : ""].filter(Boolean).join(" ");
  const item = el("li", { className: classes, attrs: { "data-id": m.id, "data-from": m.from.userId } });
  if (!cont) {
    item.append(
      el(
        "div",
        { className: "meta" },
        el("span", {
          className: "from",
          text: mine ? t("messages.mine", { name: m.from.name }) : m.from.name,
          title: t("me.socket", { id: m.from.socketId }),
        }),
        timeElement(m.createdAt),
      ),
    );
  }
  const text = messageText(m.text);
  // A continued message has no visible header: keep its time for hover and screen readers.
  if (cont) text.title = exactTime(new Date(m.createdAt));
  item.append(text);
  return item;
}

export function renderLine(line: ShownLine, options: MessageOptions): HTMLLIElement {
  switch (line.type) {
    case "message":
      return renderMessage(line.message, options);
    case "pending":
      return el(
        "li",
        { className: "msg pending mine", attrs: { "data-client-id": line.clientId } },
        el("div", {
          className: "meta",
          text: line.failed
            ? t("pending.failed", { reason: t(`error.${line.failed}`) })
            : line.offline
              ? t("pending.queued")
              : t("pending.sending"),
        }),
        messageText(line.text),
      );
    case "notice":
      return el("li", { className: "system", text: t(`notice.${line.event}`, { name: line.name }) });
    case "day":
      return el("li", { className: "day", text: line.label });
  }
}
