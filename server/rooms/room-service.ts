/**
 * Rooms: the default ones always exist, others are created by joining them,
 * up to `maxRooms`. Rooms are never removed, so a room seen once is known
 * for good and costs no storage call again. Knows nothing of sockets.
 */
import { AppError } from "../errors.js";
import { DEFAULT_ROOMS } from "../protocol.js";
import type { Limiter } from "../storage/limiter.js";
import { storageCall } from "../storage/storage-call.js";
import type { RoomStore } from "./room-store.js";

export type RoomServiceDeps = {
  store: RoomStore;
  limiter: Limiter;
  /** How many rooms may exist, the default ones included; creating one more is FORBIDDEN. */
  maxRooms?: number;
};

export class RoomService {
  private readonly known = new Set<string>(DEFAULT_ROOMS);

  constructor(private readonly deps: RoomServiceDeps) {}

  /** Creates a room if it does not exist yet, unless there are `maxRooms` already. */
  async ensureRoom(name: string): Promise<void> {
    if (this.known.has(name)) return;
    const existing = await this.list();
    if (existing.includes(name)) return;
    if (existing.length >= (this.deps.maxRooms ?? Infinity)) {
      throw new AppError("FORBIDDEN", `there are ${existing.length} rooms already; join one of them`);
    }
    await storageCall(this.deps.limiter, () => this.deps.store.add(name));
    this.known.add(name);
  }

  /** The default rooms first, then every created room in creation order. */
  async list(): Promise<string[]> {
    const created = await storageCall(this.deps.limiter, () => this.deps.store.list());
    for (const name of created) this.known.add(name);
    return [...new Set([...DEFAULT_ROOMS, ...created])];
  }

  /** Whether a room exists; one seen before needs no storage call. */
  async exists(name: string): Promise<boolean> {
    return this.known.has(name) || (await this.list()).includes(name);
  }
}
