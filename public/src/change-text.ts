/** What the page says about a change of this person's the server refused: which change, and why. */
import type { ErrorCode } from "../../server/protocol";
import type { Change } from "./delivery";
import { t } from "./i18n";

/** Longer edits are quoted by their beginning. */
const QUOTED = 60;

export function refusalText(change: Change, code: ErrorCode): string {
  const reason = t(`error.${code}`);
  if (change.kind === "edit") {
    const text = change.text.length > QUOTED ? `${change.text.slice(0, QUOTED)}…` : change.text;
    return t("change.refused.edit", { text, reason });
  }
  if (change.kind === "delete") return t("change.refused.delete", { reason });
  return t(change.on ? "change.refused.react" : "change.refused.unreact", { emoji: change.emoji, reason });
}
