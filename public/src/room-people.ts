/**
 * The people of a room as this tab knows them (protocol v1.2 "People, not
 * sockets"): how many there are, and those known by userId with their
 * sockets. Filled from `join`'s first page, kept current by `presence`
 * deltas, paged on with `members { after }`.
 *
 * The known people are always a prefix of the room's list in userId order:
 * everyone in the room up to `through` is known (everyone, once `complete`).
 * Someone joining beyond that prefix is counted but not listed; the page that
 * holds them brings them. A room above 100 people sends only counts: the list
 * is then `stale` until it is fetched again.
 */
import type { MembersPage, Person, PresenceNotice } from "../../server/protocol.js";

/** Who came and went in one `presence`, as notices for the conversation (this person excluded). */
export type PeopleChange = { joined: { userId: string; name: string }[]; left: { userId: string; name: string }[] };

const byUserId = (a: Person, b: Person): number => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);

export class RoomPeople {
  /** Distinct people in the room, cluster-wide, as the server last said. */
  count = 0;
  /** The list may have changed unseen (a big room's presence carries no names): fetch it again before trusting it. */
  stale = false;
  private readonly known = new Map<string, Person>();
  private through: string | undefined;
  private done = true;
  private sorted: Person[] | undefined;

  /** Everything known, in userId order. */
  list(): readonly Person[] {
    this.sorted ??= [...this.known.values()].sort(byUserId);
    return this.sorted;
  }

  get(userId: string): Person | undefined {
    return this.known.get(userId);
  }

  /** Whether the whole room is known (no page left to fetch). */
  get complete(): boolean {
    return this.done;
  }

  /** Where the next page starts (`members { after }`). */
  get cursor(): string | undefined {
    return this.through;
  }

  /** Takes the first page of the room (`join`'s answer, or a refill): what was known before is dropped. */
  reset(page: MembersPage): void {
    this.known.clear();
    this.through = undefined;
    this.stale = false;
    this.append(page);
  }

  /** Adds the page that follows `cursor`. */
  append(page: MembersPage): void {
    for (const person of page.people) this.known.set(person.userId, person);
    const last = page.people.at(-1)?.userId;
    if (last !== undefined && (this.through === undefined || last > this.through)) this.through = last;
    this.done = !page.hasMore;
    this.count = page.count;
    this.sorted = undefined;
  }

  /** Takes what one person's entry now is (fetched on its own), or drops them when they are gone. */
  update(userId: string, person: Person | undefined): void {
    if (person) this.known.set(userId, person);
    else this.known.delete(userId);
    this.sorted = undefined;
  }

  /** A socket of someone known was seen (they wrote from it): it is one of their tabs here, though no `presence` says so. */
  sawSocket(userId: string, socketId: string): void {
    const person = this.known.get(userId);
    if (!person || !socketId || person.sockets.includes(socketId)) return;
    this.known.set(userId, { ...person, sockets: [...person.sockets, socketId] });
    this.sorted = undefined;
  }

  /**
   * Applies a `presence`. Returns who came and went, for the conversation's
   * notices: someone already known who "joins" (this tab's own join, seen
   * after its answer) and `me` are left out.
   */
  apply(notice: PresenceNotice, me: string): PeopleChange {
    const change: PeopleChange = { joined: [], left: [] };
    this.count = notice.count;
    if (!notice.joined && !notice.left) {
      this.stale = true;
      return change;
    }
    for (const person of notice.joined ?? []) {
      if (!this.known.has(person.userId) && person.userId !== me) change.joined.push({ userId: person.userId, name: person.name });
      if (this.done || (this.through !== undefined && person.userId <= this.through)) this.known.set(person.userId, person);
    }
    for (const person of notice.left ?? []) {
      this.known.delete(person.userId);
      if (person.userId !== me) change.left.push(person);
    }
    this.sorted = undefined;
    return change;
  }
}
