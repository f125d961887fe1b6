/** What the client tells the page (it never touches the DOM itself). */
import type { AckError, ChatMessage, Session, TypingNotice } from "../../server/protocol";
import type { Channel } from "./channels";
import type { ChangeEntry } from "./delivery";

export type ConnState = "connected" | "reconnecting" | "offline";

export type ClientEvents = {
  /** Anything shown may have changed. */
  changed(): void;
  /** A request failed; `context` says which, for the message shown (`change`: a queued edit, deletion or reaction, now undone). */
  failed(error: AckError, context?: { join?: string; private?: boolean; change?: ChangeEntry }): void;
  connection(state: ConnState): void;
  session(session: Session): void;
  /** The name was refused (`NAME_TAKEN`: it is an account's username): ask for another. */
  refused(code: "INVALID_INPUT" | "NAME_TAKEN"): void;
  /** The account's session ended (signed out here or on another device): the page becomes a guest. */
  signedOut(): void;
  /** A message arrived live (not from history). */
  message(message: ChatMessage, channel: Channel, isNew: boolean): void;
  /** Someone mentioned this person in a conversation whose messages this tab does not receive (a room not joined). */
  mentionElsewhere(message: ChatMessage): void;
  /** Someone is typing in a room (`room`) or to this person in their private conversation (`with`). */
  typing(notice: TypingNotice): void;
};
