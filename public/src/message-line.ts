/**
 * Turns one line of a conversation into DOM: a message (with its sender and
 * time unless it continues the previous sender's run), a message still being
 * sent, a notice, or a day separator. Text goes in through textContent only;
 * links are built as elements whose href passed `linkify`'s http(s) check.
 */
import type { ChatMessage } from "../../server/protocol";
import { refusalText } from "./change-text";
import type { Line, PendingChange, RefusedChange } from "./channels";
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

/** `nameOf` names the people who reacted, where the page knows them. */
/**
 * `quoteDeleted`: the page knows that the message this one replies to has been
 * deleted since; a quote the server has withdrawn (`replyTo.deleted`) shows the same.
 */
export type MessageOptions = {
  me: string;
  cont: boolean;
  mention: boolean;
  nameOf?: (userId: string) => string | undefined;
  quoteDeleted?: boolean;
};

/** Emoji offered for a quick reaction. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "👀"];

export function renderMessage(m: ChatMessage, { me, cont, mention, nameOf, quoteDeleted }: MessageOptions): HTMLLIElement {
  const mine = m.from.userId === me;
  const deleted = m.deletedAt !== undefined;
  const classes = ["msg", mine ? "mine" : "", cont ? "cont" : "", mention ? "mention" : "", deleted ? "deleted" : ""].filter(Boolean).join(" ");
  const item = el("li", { className: classes, attrs: { "data-id": m.id, "data-from": m.from.userId } });
  if (!deleted) item.append(actions(m, mine));
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
  if (m.replyTo && !deleted) {
    const withdrawn = quoteDeleted === true || m.replyTo.deleted === true;
    const quote = withdrawn ? { ...m.replyTo, text: t("message.deleted") } : m.replyTo;
    item.append(
      el(
        "button",
        {
          className: "reply-quote",
          title: t("reply.jump"),
          attrs: { type: "button", "data-jump": quote.id, "aria-label": t("reply.quote", { name: quote.from.name, text: quote.text }) },
        },
        el("span", { className: "quote-from", text: quote.from.name }),
        el("span", { className: "quote-text", text: quote.text }),
      ),
    );
  }
  const text = deleted ? el("div", { className: "text tombstone", text: t("message.deleted") }) : messageText(m.text);
  // A continued message has no visible header: keep its time for hover and screen readers.
  if (cont) text.title = exactTime(new Date(m.createdAt));
  if (m.editedAt && !deleted) text.append(" ", el("span", { className: "edited", text: `(${t("message.edited")})`, title: exactTime(new Date(m.editedAt)) }));
  item.append(text);
  if (m.reactions?.length && !deleted) item.append(reactionChips(m, me, nameOf));
  return item;
}

/** Reply, React (a row of quick emoji), and for one's own messages Edit and Delete. */
function actions(m: ChatMessage, mine: boolean): HTMLElement {
  const button = (action: string, label: string) =>
    el("button", { className: "btn btn-sm btn-light", text: label, attrs: { type: "button", "data-action": action } });
  const bar = el(
    "div",
    { className: "actions", attrs: { role: "group", "aria-label": t("actions.label", { name: m.from.name }) } },
    button("reply", t("actions.reply")),
    button("react", t("actions.react")),
  );
  if (mine) bar.append(button("edit", t("actions.edit")), button("delete", t("actions.delete")));
  bar.append(
    el(
      "div",
      { className: "quick-reactions", attrs: { hidden: "" } },
      ...QUICK_REACTIONS.map((emoji) =>
        el("button", { className: "btn btn-sm btn-light", text: emoji, attrs: { type: "button", "data-react": emoji, "aria-label": t("reaction.add", { emoji }) } }),
      ),
    ),
  );
  return bar;
}

function reactionChips(m: ChatMessage, me: string, nameOf?: (userId: string) => string | undefined): HTMLElement {
  return el(
    "div",
    { className: "reactions" },
    ...(m.reactions ?? []).map(({ emoji, userIds }) => {
      const names = userIds.map((id) => (id === me ? t("messages.mine", { name: "" }).trim() : (nameOf?.(id) ?? "…"))).join(", ");
      const label = t("reaction.label", { emoji, count: userIds.length, names });
      return el(
        "button",
        {
          className: `reaction${userIds.includes(me) ? " mine" : ""}`,
          title: label,
          attrs: { type: "button", "data-reaction": emoji, "aria-pressed": String(userIds.includes(me)), "aria-label": label },
        },
        el("span", { text: emoji, attrs: { "aria-hidden": "true" } }),
        el("span", { className: "count", text: String(userIds.length), attrs: { "aria-hidden": "true" } }),
      );
    }),
  );
}

/** Marks what of a message is still waiting to be sent ("edit waiting to be sent"), and a change of it the server refused (see `Line`). */
function markChanges(item: HTMLLIElement, pending: PendingChange | undefined, refused: RefusedChange | undefined): HTMLLIElement {
  let last = item.querySelector(".text");
  if (pending) {
    item.classList.add("pending-change");
    const parts = [
      ...(pending.delete ? [t("change.pending.delete")] : []),
      ...(pending.edit && !pending.delete ? [t("change.pending.edit")] : []),
      ...(pending.reactions.length > 0 && !pending.delete ? [t("change.pending.react")] : []),
    ];
    const label = el("div", { className: "pending-label", text: parts.join(" · ") });
    last?.after(label);
    last = label;
    for (const chip of item.querySelectorAll<HTMLElement>(".reaction[data-reaction]")) {
      if (!pending.reactions.includes(chip.dataset.reaction ?? "")) continue;
      const named = `${chip.getAttribute("aria-label") ?? ""} (${t("change.pending.react")})`;
      chip.classList.add("pending");
      chip.setAttribute("aria-label", named);
      chip.title = named;
    }
  }
  if (refused) last?.after(el("div", { className: "refused-label", text: refusalText(refused.change, refused.code) }));
  return item;
}

export function renderLine(line: ShownLine, options: MessageOptions): HTMLLIElement {
  switch (line.type) {
    case "message":
      return markChanges(renderMessage(line.message, options), line.pending, line.refused);
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
