/**
 * The mark next to a name that belongs to an account (protocol v1.2 `account`
 * on User, Person and Conversation): a small badge, "account" for screen
 * readers, so a guest who types an account's username as their name (or one
 * that looks like it) does not pass for that account.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { t } from "./i18n";

const BADGE = "M8 .5l1.9 1.4 2.4-.1.7 2.2 2 1.4-.8 2.2.8 2.2-2 1.4-.7 2.2-2.4-.1L8 15.5l-1.9-1.4-2.4.1-.7-2.2-2-1.4.8-2.2-.8-2.2 2-1.4.7-2.2 2.4.1z";
const CHECK = "M4.8 8.2l2.1 2.1 4.3-4.4";

/** The mark for lit-html templates; nothing for a guest. */
export function accountMark(account: string | undefined): TemplateResult | typeof nothing {
  if (!account) return nothing;
  return html`<span class="account-mark" title=${t("account.markTitle", { username: account })}
    ><svg aria-hidden="true" viewBox="0 0 16 16" width="12" height="12"><path d=${BADGE} fill="currentColor"></path><path class="check" d=${CHECK} fill="none" stroke-width="1.8"></path></svg
    ><span class="visually-hidden"> (${t("account.mark")})</span></span
  >`;
}

/** The same mark as a DOM node, for views built without templates. */
export function accountMarkNode(account: string): HTMLElement {
  const mark = document.createElement("span");
  mark.className = "account-mark";
  mark.title = t("account.markTitle", { username: account });
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "12");
  svg.setAttribute("height", "12");
  const badge = document.createElementNS(svgNs, "path");
  badge.setAttribute("d", BADGE);
  badge.setAttribute("fill", "currentColor");
  const check = document.createElementNS(svgNs, "path");
  check.setAttribute("class", "check");
  check.setAttribute("d", CHECK);
  check.setAttribute("fill", "none");
  check.setAttribute("stroke-width", "1.8");
  svg.append(badge, check);
  const text = document.createElement("span");
  text.className = "visually-hidden";
  text.textContent = ` (${t("account.mark")})`;
  mark.append(svg, text);
  return mark;
}
