/**
 * Protocol v1.1 changes to stored messages: edit, delete, react. Decides who
 * may change what, has the store apply the change atomically, and sends the
 * new state to the audience of the original message. Knows nothing of sockets.
 */
import { canRead } from "../channels/access.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { LIMITS, type ChatMessage } from "../protocol.js";
import type { Limiter } from "../storage/limiter.js";
import { storageCall } from "../storage/storage-call.js";
import { tooManyReactions, type MessageChange } from "./message-change.js";
import type { MessageStore, StoredMessage } from "./message-store.js";

export type ChangeServiceDeps = {
  store: MessageStore;
  /** The storage concurrency bound, shared with sends and every other service. */
  limiter: Limiter;
  logger: Logger;
  /** Sends the whole new state of a changed message to everyone who can see the original. */
  deliverUpdate: (message: ChatMessage) => void | Promise<void>;
  /** Removes the attachments of a deleted message, bytes and all (AttachmentService.remove). */
  removeAttachments?: ((ids: readonly string[]) => Promise<void>) | undefined;
};

export class ChangeService {
  constructor(private readonly deps: ChangeServiceDeps) {}

  /** Replaces the text of the viewer's own message. */
  edit(viewerId: string, id: string, text: string): Promise<ChatMessage> {
    return this.apply(viewerId, id, { kind: "edit", text, at: new Date().toISOString() });
  }

  /**
   * Turns the viewer's own message into a tombstone, then withdraws its text
   * from every reply that quotes it (each such reply gets a new rev and one
   * `message updated`). Deleting a tombstone again answers it unchanged and
   * finishes withdrawing quotes that a crash or a storage failure left behind.
   * Resolves only once every quote is withdrawn: when that fails, the delete
   * fails as UNAVAILABLE and repeating it completes the work.
   */
  async delete(viewerId: string, id: string): Promise<ChatMessage> {
    let carried: string[] = [];
    const tombstone = await this.apply(viewerId, id, { kind: "delete", at: new Date().toISOString() }, (current) => {
      carried = current.attachments?.map((a) => a.id) ?? [];
    });
    if (carried.length > 0 && this.deps.removeAttachments) {
      try {
        await this.deps.removeAttachments(carried);
      } catch (err) {
        // The tombstone carries none any more: nobody can fetch them, only their bytes stay behind.
        this.deps.logger.warn({ err, id, attachments: carried }, "attachments of a deleted message could not be removed");
      }
    }
    const replies = await storageCall(this.deps.limiter, () => this.deps.store.clearQuotesOf(id));
    await Promise.all(replies.map((reply) => this.fanOut(reply)));
    return tombstone;
  }

  /** Adds (`on`) or removes the viewer's reaction with `emoji`; repeating either is a no-op. */
  react(viewerId: string, id: string, emoji: string, on: boolean): Promise<ChatMessage> {
    return this.apply(viewerId, id, { kind: "react", emoji, userId: viewerId, on });
  }

  /** `seen`, when given, sees the message as it was, once the change is allowed. */
  private async apply(viewerId: string, id: string, change: MessageChange, seen?: (current: StoredMessage) => void): Promise<ChatMessage> {
    const notFound = () => new AppError("NOT_FOUND", "no such message");
    const allow = (current: StoredMessage) => {
      if (!canRead(viewerId, current)) throw notFound();
      const mine = current.from.userId === viewerId;
      // Only the author's repeated delete still finds a tombstone.
      if (current.deletedAt !== undefined && !(change.kind === "delete" && mine)) throw notFound();
      if (change.kind !== "react" && !mine) throw new AppError("FORBIDDEN", "only its author can change a message");
      if (tooManyReactions(current, change)) {
        throw new AppError("INVALID_INPUT", `a message carries at most ${LIMITS.reactionsMax} different emoji; add yours to one of them`);
      }
      seen?.(current);
    };
    const result = await storageCall(this.deps.limiter, () => this.deps.store.change(id, change, allow));
    if (!result) throw notFound();
    if (result.changed) await this.fanOut(result.message);
    return result.message;
  }

  private async fanOut(message: ChatMessage): Promise<void> {
    try {
      await this.deps.deliverUpdate(message);
    } catch (err) {
      // Stored is what the ack promises; the others catch up through changedAfter.
      this.deps.logger.warn({ err, id: message.id }, "fan-out of a change failed");
    }
  }
}
