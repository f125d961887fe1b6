/**
 * One line of a conversation as a lit-html template: a message (with its
 * sender and time, or, continuing the previous sender's run, the time at its
 * side and the sender for screen readers only), a message still being sent,
 * a notice, or a day separator. User text goes into text positions and
 * attribute values only; links are anchors whose href passed `linkify`'s
 * http(s) check.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { classMap } from "lit-html/directives/class-map.js";
import type { ChatMessage } from "../../server/protocol";
import type { AttachmentFiles } from "./attachment-files";
import { attachmentsTemplate } from "./attachment-view";
import type { Line, PendingChange, RefusedChange } from "./channels";
import { accountMark } from "./account-mark";
import { refusalText } from "./change-text";
import { exactTime, shortTime } from "./format";
import { t } from "./i18n";
import { linkify } from "./linkify";

/** A line as shown: a line of the conversation, or a day separator. */
export type ShownLine = Line | { type: "day"; id: string; label: string };

/**
 * How a message is shown. `cont`: it continues the same sender's run.
 * `quoteDeleted`: the page knows that the message this one replies to has
 * been deleted since (a quote the server withdrew, `replyTo.deleted`, shows the same).
 * `current`: the message is the list's one Tab stop. `open`: its action bar is
 * open (its controls are Tab stops then), `reacting`: with the quick reactions,
 * `who`: the names of the people who reacted are shown.
 */
export type MessageOptions = {
  me: string;
  cont: boolean;
  mention: boolean;
  nameOf?: (userId: string) => string | undefined;
  /** The account a userId is signed in as, if any: mentions of accounts carry the mark. */
  accountOf?: (userId: string) => string | undefined;
  quoteDeleted?: boolean;
  current?: boolean;
  open?: boolean;
  reacting?: boolean;
  who?: boolean;
  now?: Date;
  /** This person's changes to the message still waiting to be sent (see `Line`). */
  pending?: PendingChange | undefined;
  /** This person's last change to the message the server refused (see `Line`). */
  refused?: RefusedChange | undefined;
  /** Where attachments' thumbnails come from. */
  files?: AttachmentFiles | undefined;
};

/** Emoji offered for a quick reaction. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "👀"];

/** A mentioned account: `@name` as it stands in the text, and the account's username. */
type MarkedMention = { at: string; account: string };

/** Plain text with each `@name` of a mentioned account followed by the account mark. */
function withMentionMarks(text: string, marked: readonly MarkedMention[]): (string | TemplateResult | typeof nothing)[] {
  if (marked.length === 0) return [text];
  const parts: (string | TemplateResult | typeof nothing)[] = [];
  let rest = text;
  for (;;) {
    let first: { index: number; mention: MarkedMention } | undefined;
    for (const mention of marked) {
      const index = rest.indexOf(mention.at);
      if (index >= 0 && (!first || index < first.index || (index === first.index && mention.at.length > first.mention.at.length))) first = { index, mention };
    }
    if (!first) break;
    const end = first.index + first.mention.at.length;
    parts.push(rest.slice(0, end), accountMark(first.mention.account));
    rest = rest.slice(end);
  }
  parts.push(rest);
  return parts;
}

/**
 * The text of a message with its links as anchors (Tab stops only when `tabbable`), and the
 * account mark after each `@name` of a mentioned person who is an account.
 */
function messageText(text: string, tabbable: boolean, extra: TemplateResult | typeof nothing = nothing, marked: readonly MarkedMention[] = []): TemplateResult {
  const tabindex = tabbable ? "0" : "-1";
  const parts = linkify(text).map((s) =>
    s.href === undefined
      ? withMentionMarks(s.text, marked)
      : html`<a href=${s.href} target="_blank" rel="noopener noreferrer" tabindex=${tabindex}>${s.text}</a>`,
  );
  return html`<div class="text">${parts}${extra}</div>`;
}

/** The mentioned people of `m` who are accounts, by the `@name` the text shows them with. */
function markedMentions(m: ChatMessage, o: MessageOptions): MarkedMention[] {
  const marked: MarkedMention[] = [];
  for (const userId of m.mentions ?? []) {
    const account = o.accountOf?.(userId);
    const name = o.nameOf?.(userId);
    if (account && name) marked.push({ at: `@${name}`, account });
  }
  return marked;
}

/** A relative time ("5 minutes ago"), exact on hover; redrawn as it ages. */
function timeOf(iso: string, now: Date, className = ""): TemplateResult {
  const at = new Date(iso);
  return html`<time class=${className || nothing} datetime=${iso} title=${exactTime(at)}>${shortTime(at, now)}</time>`;
}

export function messageTemplate(m: ChatMessage, o: MessageOptions): TemplateResult {
  const mine = m.from.userId === o.me;
  const deleted = m.deletedAt !== undefined;
  const now = o.now ?? new Date();
  const inner = o.open ? "0" : "-1";
  const name = mine ? t("messages.mine", { name: m.from.name }) : m.from.name;
  const classes = { mine, cont: o.cont, mention: o.mention, deleted, open: o.open === true && !deleted, "pending-change": o.pending !== undefined };
  const header = o.cont
    ? html`<div class="meta cont-meta"><span class="visually-hidden">${name}${m.from.account ? ` (${t("account.mark")})` : ""}</span>${timeOf(m.createdAt, now, "side-time")}</div>`
    : html`<div class="meta"><span class="from" title=${t("me.socket", { id: m.from.socketId })}>${name}</span>${accountMark(m.from.account)}${timeOf(m.createdAt, now)}</div>`;
  const edited =
    m.editedAt && !deleted ? html` <span class="edited" title=${exactTime(new Date(m.editedAt))}>(${t("message.edited")})</span>` : nothing;
  const text = deleted
    ? html`<div class="text tombstone">${t("message.deleted")}</div>`
    : m.text === "" && m.attachments?.length
      ? edited
      : messageText(m.text, o.open === true, edited, markedMentions(m, o));
  const files = !deleted && m.attachments?.length ? attachmentsTemplate(m.attachments, o.files, inner) : nothing;
  return html`<li class="msg ${classMap(classes)}" data-id=${m.id} data-from=${m.from.userId} tabindex=${o.current ? "0" : "-1"}>
    ${deleted ? nothing : more(m, o, inner)}${header}${m.replyTo && !deleted ? quoteOf(m, o, inner) : nothing}${text}${files}${pendingLabel(o.pending)}${o.refused ? html`<div class="refused-label">${refusalText(o.refused.change, o.refused.code)}</div>` : nothing}${deleted ? nothing : reactions(m, o, inner)}${deleted ? nothing : actions(m, mine, o, inner)}
  </li>`;
}

/** The quoted message a reply answers; a click shows it. Its name is its visible text, after "In reply to". */
function quoteOf(m: ChatMessage, o: MessageOptions, tabindex: string): TemplateResult {
  const replyTo = m.replyTo!;
  const withdrawn = o.quoteDeleted === true || replyTo.deleted === true;
  const text = withdrawn ? t("message.deleted") : replyTo.text;
  return html`<button type="button" class="reply-quote" data-jump=${replyTo.id} title=${t("reply.jump")} tabindex=${tabindex}><span class="visually-hidden">${t("reply.in")} </span><span class="quote-from">${replyTo.from.name}</span><span class="quote-text">${text}</span></button>`;
}

/** The text naming who gave one reaction: "👍: 2 reactions, you, Bob". */
function reactionLabel(emoji: string, userIds: readonly string[], o: MessageOptions): string {
  const you = t("reaction.you");
  const names = userIds.map((id) => (id === o.me ? you : (o.nameOf?.(id) ?? "…"))).join(", ");
  return t("reaction.label", { emoji, count: userIds.length, names });
}

/** The reaction chips (a click gives or takes back one's own), and who reacted when asked for. */
function reactions(m: ChatMessage, o: MessageOptions, tabindex: string): TemplateResult | typeof nothing {
  const given = m.reactions ?? [];
  if (given.length === 0) return nothing;
  const chips = given.map(({ emoji, userIds }) => {
    const waiting = o.pending?.reactions.includes(emoji) === true;
    const label = reactionLabel(emoji, userIds, o) + (waiting ? ` (${t("change.pending.react")})` : "");
    const mine = userIds.includes(o.me);
    return html`<button type="button" class="reaction ${classMap({ mine, pending: waiting })}" data-reaction=${emoji} title=${label} aria-label=${label} aria-pressed=${String(mine)} tabindex=${tabindex}><span aria-hidden="true">${emoji}</span><span class="count" aria-hidden="true">${userIds.length}</span></button>`;
  });
  const who = o.who ? given.map(({ emoji, userIds }) => html`<div>${reactionLabel(emoji, userIds, o)}</div>`) : nothing;
  return html`<div class="reactions">${chips}</div><div class="reacted-by" id=${`who-${m.id}`} ?hidden=${!o.who}>${who}</div>`;
}

/** The "…" button: opens (and closes) the message's action bar; first in the message, so that on phones the text flows around it. */
function more(m: ChatMessage, o: MessageOptions, tabindex: string): TemplateResult {
  const label = t("actions.more", { name: m.from.name });
  return html`<button type="button" class="more btn btn-sm btn-light" data-action="more" tabindex=${tabindex} aria-expanded=${String(o.open === true)} aria-controls=${`actions-${m.id}`} aria-label=${label} title=${label}>…</button>`;
}

/** The action bar: Reply, React (a row of quick emoji), Who reacted, and for one's own messages Edit and Delete. */
function actions(m: ChatMessage, mine: boolean, o: MessageOptions, tabindex: string): TemplateResult {
  const button = (action: string, label: string, expanded?: boolean, controls?: string) =>
    html`<button type="button" class="btn btn-sm btn-light" data-action=${action} tabindex=${tabindex} aria-expanded=${expanded === undefined ? nothing : String(expanded)} aria-controls=${controls ?? nothing}>${label}</button>`;
  const hasReactions = (m.reactions?.length ?? 0) > 0;
  return html`<div class="actions" id=${`actions-${m.id}`} role="group" aria-label=${t("actions.label", { name: m.from.name })}>
      ${button("reply", t("actions.reply"))}${button("react", t("actions.react"), o.reacting === true, `react-${m.id}`)}${hasReactions ? button("who", t("actions.who"), o.who === true, `who-${m.id}`) : nothing}${mine ? html`${button("edit", t("actions.edit"))}${button("delete", t("actions.delete"))}` : nothing}
      <div class="quick-reactions" id=${`react-${m.id}`} ?hidden=${!o.reacting}>${QUICK_REACTIONS.map(
        (emoji) =>
          html`<button type="button" class="btn btn-sm btn-light" data-react=${emoji} aria-label=${t("reaction.add", { emoji })} tabindex=${tabindex}>${emoji}</button>`,
      )}</div>
    </div>`;
}

/** What of a message is still waiting to be sent, said next to it ("edit waiting to be sent"). */
function pendingLabel(pending: PendingChange | undefined): TemplateResult | typeof nothing {
  if (!pending) return nothing;
  const parts = [
    ...(pending.delete ? [t("change.pending.delete")] : []),
    ...(pending.edit && !pending.delete ? [t("change.pending.edit")] : []),
    ...(pending.reactions.length > 0 && !pending.delete ? [t("change.pending.react")] : []),
  ];
  return html`<div class="pending-label">${parts.join(" · ")}</div>`;
}

/** Any line of the conversation. */
export function lineTemplate(line: ShownLine, options: MessageOptions): TemplateResult {
  switch (line.type) {
    case "message":
      return messageTemplate(line.message, { ...options, pending: line.pending, refused: line.refused });
    case "pending": {
      const state = line.failed
        ? t("pending.failed", { reason: t(`error.${line.failed}`) })
        : line.offline
          ? t("pending.queued")
          : t("pending.sending");
      const files = line.attachments?.length ? attachmentsTemplate(line.attachments, options.files, "-1") : nothing;
      return html`<li class="msg pending mine" data-client-id=${line.clientId}><div class="meta">${state}</div>${line.text ? messageText(line.text, false) : nothing}${files}</li>`;
    }
    case "notice":
      return html`<li class="system">${t(`notice.${line.event}`, { name: line.name })}</li>`;
    case "day":
      return html`<li class="day">${line.label}</li>`;
  }
}

/** The line shown in a conversation without messages. */
export function emptyTemplate(): TemplateResult {
  return html`<li class="empty">${t("messages.empty")}</li>`;
}
