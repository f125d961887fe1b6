/**
 * The room store: the names of the rooms people created (the default rooms
 * always exist and need no record). Implementations: sqlite-room-store.ts and
 * mongo-room-store.ts; both pass test/helpers/room-store-contract.ts.
 */
export interface RoomStore {
  /** Remembers a room name; idempotent, also when two calls race. */
  add(name: string): Promise<void>;
  /** Every room ever created, in creation order. */
  list(): Promise<string[]>;
}
