/**
 * Fetching a room's people (protocol v1.2 `members`): the next page as the
 * list is scrolled to its end, the whole list again when a big room's
 * presence left it out of date, and one person again when their tabs are
 * looked at. One request per room at a time; the data lives in the room's
 * RoomPeople.
 */
import type { Channel } from "./channels.js";
import { request, type ChatSocket } from "./connection.js";
import { RoomPeople } from "./room-people.js";

/** A big room's list, out of date, is fetched again at most this often. */
export const PEOPLE_REFILL_MS = 5000;

export class PeopleLoader {
  /** Rooms whose people are being fetched, so one request runs at a time. */
  private readonly loading = new Set<string>();
  /** When each room's people were last fetched again whole. */
  private readonly refilled = new Map<string, number>();
  /** Rooms with a refill put off until PEOPLE_REFILL_MS have passed. */
  private readonly due = new Set<string>();

  constructor(
    private readonly socket: () => ChatSocket | undefined,
    private readonly changed: () => void,
  ) {}

  /** Whether a page of `channel`'s people is on its way. */
  busy(channel: Channel): boolean {
    return this.loading.has(channel.id);
  }

  /** Fetches the page of a room's people after those known. */
  async more(channel: Channel): Promise<void> {
    const socket = this.socket();
    if (!socket?.connected || !channel.room || channel.people.complete || this.loading.has(channel.id)) return;
    await this.exclusive(channel, async () => {
      const people = channel.people;
      const after = people.cursor;
      const res = await request(socket, "members", { room: channel.room!, ...(after !== undefined ? { after } : {}) });
      // A refill or a rejoin meanwhile replaced the list: this page no longer follows it.
      if (res.ok && channel.people === people && people.cursor === after) people.append(res);
    });
  }

  /**
   * Fetches a room's people again from the start — as many pages as were
   * listed — when the list may be out of date (`stale`); at most every
   * PEOPLE_REFILL_MS per room.
   */
  async refill(channel: Channel): Promise<void> {
    const socket = this.socket();
    const wait = (this.refilled.get(channel.id) ?? 0) + PEOPLE_REFILL_MS - Date.now();
    if (!socket?.connected || !channel.room || !channel.people.stale || this.loading.has(channel.id)) return;
    if (wait > 0) {
      // Asked again too soon: the page is redrawn then, and asks again if the list is still shown and out of date.
      if (!this.due.has(channel.id)) {
        this.due.add(channel.id);
        setTimeout(() => {
          this.due.delete(channel.id);
          this.changed();
        }, wait);
      }
      return;
    }
    this.refilled.set(channel.id, Date.now());
    await this.exclusive(channel, async () => {
      const old = channel.people;
      const wanted = Math.max(1, old.list().length);
      // Whatever `presence` says while the pages come is not in them: notice it, and refill again after.
      old.stale = false;
      const before = { count: old.count, listed: old.list().length };
      const fresh = new RoomPeople();
      for (let first = true; first || (!fresh.complete && fresh.list().length < wanted); first = false) {
        const after = fresh.cursor;
        const res = await request(socket, "members", { room: channel.room!, ...(after !== undefined ? { after } : {}) });
        if (!res.ok) {
          old.stale = true;
          return;
        }
        if (first) fresh.reset(res);
        else fresh.append(res);
      }
      if (channel.people !== old) return; // a rejoin replaced the list meanwhile
      fresh.stale = old.stale || old.count !== before.count || old.list().length !== before.listed;
      channel.people = fresh;
    });
  }

  /** Fetches one person of a room again (their tabs there may have changed unseen); drops them when they have left. */
  async person(channel: Channel, userId: string): Promise<void> {
    const socket = this.socket();
    if (!socket?.connected || !channel.room) return;
    const people = channel.people;
    const listed = people.list();
    const before = listed[listed.findIndex((p) => p.userId === userId) - 1]?.userId;
    const res = await request(socket, "members", { room: channel.room, limit: 1, ...(before !== undefined ? { after: before } : {}) });
    if (!res.ok || channel.people !== people) return;
    const next = res.people[0];
    if (next?.userId === userId) people.update(userId, next);
    // Gone only when nobody, or someone sorting after them, comes next; a newcomer in between means the list is behind.
    else if (next === undefined || next.userId > userId) people.update(userId, undefined);
    else people.stale = true;
    people.count = res.count;
    this.changed();
  }

  private async exclusive(channel: Channel, fetch: () => Promise<void>): Promise<void> {
    this.loading.add(channel.id);
    this.changed();
    try {
      await fetch();
    } finally {
      this.loading.delete(channel.id);
      this.changed();
    }
  }
}
