/** What the page remembers across reloads (localStorage): identity and open conversations. */
import type { User } from "../../server/protocol";

/** `token`: a guest's; `account`: the username, for someone signed in (the session cookie, HttpOnly, is their identity then). */
export type Saved = { name?: string; userId?: string; token?: string; account?: string; rooms?: string[]; dms?: User[]; active?: string };
export const STORAGE_KEY = "chat.v1";

export function loadSaved(): Saved {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}");
    return typeof parsed === "object" && parsed !== null ? (parsed as Saved) : {};
  } catch {
    return {};
  }
}

export function storeSaved(state: Saved): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
}
