/**
 * One backend's storage: a store per domain, and the connection they share.
 * Two backends, each with the same stores: SQLite through `node:sqlite`
 * (sqlite-storage.ts, the embedded default) and MongoDB through mongoose
 * (mongo-storage.ts). The composition root (server/server.ts) opens one and
 * builds the services on its stores.
 */
import type { AccountStore } from "../accounts/account-store.js";
import type { AttachmentStore } from "../attachments/attachment-store.js";
import type { MessageStore } from "../messages/message-store.js";
import type { PeopleStore } from "../people/people-store.js";
import type { RoomStore } from "../rooms/room-store.js";

export interface Storage {
  /** "sqlite" or "mongo", for logs and readiness output. */
  readonly kind: "sqlite" | "mongo";
  readonly messages: MessageStore;
  readonly rooms: RoomStore;
  readonly people: PeopleStore;
  readonly accounts: AccountStore;
  readonly attachments: AttachmentStore;
  /** Opens the database and prepares its schema or indexes; resolves once usable (or retrying in the background). */
  init(): Promise<void>;
  /** True when every store can serve reads and writes right now. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

/** The configured storage cannot be used as configured (a malformed MONGODB_URI, a DATA_DIR that cannot be written). */
export class StorageConfigError extends Error {
  override name = "StorageConfigError";
}
