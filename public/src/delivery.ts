/**
 * Client-side delivery: an outbox that survives reloads and resends, in
 * order, until the server acks; and catch-up of what was missed while away.
 *
 * DOM-free and transport-agnostic, so the browser page and the Node chaos
 * test run the same code: the caller supplies the storage and a `send`
 * function that performs one acked emit.
 */
import type { Ack, AckError, ChatMessage, ErrorCode, Page } from "../../server/protocol.js";

export type Target =
  | { kind: "room"; room: string }
  | { kind: "broadcast" }
  /** `to` is the recipient's socket id, `peer` their userId (for grouping). */
  | { kind: "private"; to: string; peer: string };

/** What a message carries besides its text (protocol v1.1): the message it answers, who it mentions. */
export type Extras = { replyTo?: string; mentions?: string[] };

export type OutboxEntry = { clientId: string; target: Target; text: string; queuedAt: string } & Extras;

/** The part of the Web Storage API the outbox needs (sessionStorage in browsers). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Errors worth retrying: the same request may succeed later. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(["UNAVAILABLE", "RATE_LIMITED", "INTERNAL"]);

/** Messages waiting for their ack, oldest first, persisted on every change. */
export class Outbox {
  private entries: OutboxEntry[];

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key = "chat.outbox",
  ) {
    this.entries = load(storage, key);
  }

  list(): readonly OutboxEntry[] {
    return this.entries;
  }

  get size(): number {
    return this.entries.length;
  }

  add(target: Target, text: string, clientId: string, extras: Extras = {}): OutboxEntry {
    const entry: OutboxEntry = { clientId, target, text, queuedAt: new Date().toISOString(), ...extras };
    this.entries.push(entry);
    this.save();
    return entry;
  }

  remove(clientId: string): void {
    this.entries = this.entries.filter((e) => e.clientId !== clientId);
    this.save();
  }

  private save(): void {
    this.storage.setItem(this.key, JSON.stringify(this.entries));
  }
}

function load(storage: KeyValueStorage, key: string): OutboxEntry[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(key) ?? "[]");
    return Array.isArray(parsed) ? (parsed as OutboxEntry[]).filter((e) => typeof e?.clientId === "string") : [];
  } catch {
    return [];
  }
}

export type PumpHooks = {
  /** The server stored the message (or had stored it already: a retry). */
  acked(entry: OutboxEntry, message: ChatMessage): void;
  /** The server refused it for good (e.g. NOT_IN_ROOM, NOT_FOUND); it left the outbox. */
  failed(entry: OutboxEntry, error: AckError): void;
};

/**
 * Sends the outbox one message at a time, in order. A retryable answer
 * (storage down, rate limited, no answer) waits with exponential backoff and
 * tries the same message again — its clientId makes the retry harmless. The
 * pump stops while disconnected; call `kick()` once connected again.
 */
export class OutboxPump {
  private running = false;
  private stopped = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly send: (entry: OutboxEntry) => Promise<Ack<{ message: ChatMessage }>>,
    private readonly hooks: PumpHooks,
    private readonly isConnected: () => boolean,
    private readonly backoff = { baseMs: 250, maxMs: 5000 },
  ) {}

  kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped && this.isConnected()) {
      const next = this.outbox.list()[0];
      if (!next) return;
      const res = await this.send(next);
      if (res.ok) {
        this.outbox.remove(next.clientId);
        this.hooks.acked(next, res.message);
        attempt = 0;
      } else if (RETRYABLE.has(res.error.code)) {
        const delay = backoffDelay(attempt++, this.backoff.baseMs, this.backoff.maxMs);
        await new Promise((r) => setTimeout(r, delay));
      } else {
        this.outbox.remove(next.clientId);
        this.hooks.failed(next, res.error);
      }
    }
  }
}

/**
 * Runs `attempt` until it succeeds, backing off between tries, for as long as
 * `wanted()` holds (e.g. this connection is still the current one). Resolves
 * true on success, false when no longer wanted. Used to resync after a
 * (re)connect: a crowd of reconnecting clients must not hammer a slow server.
 */
export async function retryWhile(attempt: () => Promise<boolean>, wanted: () => boolean): Promise<boolean> {
  for (let i = 0; wanted(); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, backoffDelay(i - 1)));
    if (!wanted()) return false;
    if (await attempt()) return wanted();
  }
  return false;
}

export type HistoryBase = { room: string } | { with: string } | { broadcast: true };

/**
 * How far before the last message held a catch-up starts. Ids are assigned
 * before the write, so two writes in flight together can become visible out
 * of id order; re-reading this window (deduplicated by id) closes that gap.
 */
export const CATCH_UP_REWIND_MS = 10_000;

/** The smallest message id (or rev) of the millisecond `ms` before the one `id` was made in. */
export function rewindId(id: string, ms: number): string {
  const t = Math.max(0, parseInt(id.slice(0, 12), 16) - ms);
  return t.toString(16).padStart(12, "0") + "0".repeat(12);
}

/**
 * Whether a page of the newest messages (as `join` returns) leaves a gap
 * after `lastId` that `fetchNewer` must fill: only when the page is full and
 * starts after the catch-up point.
 */
export function gapAfter(newest: readonly ChatMessage[], lastId: string, pageSize: number): boolean {
  if (newest.length < pageSize) return false;
  return newest[0]!.id > rewindId(lastId, CATCH_UP_REWIND_MS);
}

/** Delay before retry number `attempt` (0-based): exponential, capped, with jitter. */
export function backoffDelay(attempt: number, baseMs = 250, maxMs = 5000): number {
  return Math.min(maxMs, baseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
}

/**
 * Everything in a conversation from shortly before `lastId` on, oldest
 * first, fetched page by page. Pair it with dedup by message id and a
 * reconnect ends with no gap and no duplicate.
 * `complete` is false when more than `maxPages` pages were missed: rather
 * than hold a gap, drop what is held and start again from the newest page.
 */
export async function fetchNewer(
  history: (query: HistoryBase & { after?: string; limit?: number }) => Promise<Ack<Page>>,
  base: HistoryBase,
  lastId: string,
  maxPages = 50,
): Promise<Ack<{ messages: ChatMessage[]; complete: boolean }>> {
  const messages: ChatMessage[] = [];
  let after = rewindId(lastId, CATCH_UP_REWIND_MS);
  for (let page = 0; page < maxPages; page++) {
    const res = await history({ ...base, after, limit: 100 });
    if (!res.ok) return res;
    messages.push(...res.messages);
    if (!res.hasMore || res.messages.length === 0) return { ok: true, messages, complete: true };
    after = res.messages.at(-1)!.id;
  }
  return { ok: true, messages, complete: false };
}

/**
 * Everything that changed in a conversation from shortly before `lastRev` on
 * (protocol v1.1 `changedAfter`): new messages, edits, deletions (as
 * tombstones) and reactions, fetched page by page until `hasMore` is false.
 * Each message comes once, in its newest state, in rev order; the caller
 * replaces what it holds by id. `lastRev` is the greatest rev it holds; the
 * same rewind as `fetchNewer` covers changes that became visible out of rev
 * order. `complete` is false when more than `maxPages` pages were missed.
 */
export async function fetchChanges(
  history: (query: HistoryBase & { changedAfter: string; limit?: number }) => Promise<Ack<Page>>,
  base: HistoryBase,
  lastRev: string,
  maxPages = 50,
): Promise<Ack<{ messages: ChatMessage[]; complete: boolean }>> {
  const newest = new Map<string, ChatMessage>();
  const keep = (m: ChatMessage) => {
    const held = newest.get(m.id);
    // A message that changed again while we paged shows up twice: keep its later state.
    if (held && held.rev >= m.rev) return;
    newest.delete(m.id);
    newest.set(m.id, m);
  };
  const done = (complete: boolean) => ({
    ok: true as const,
    messages: [...newest.values()].sort((a, b) => (a.rev < b.rev ? -1 : 1)),
    complete,
  });
  let changedAfter = rewindId(lastRev, CATCH_UP_REWIND_MS);
  for (let page = 0; page < maxPages; page++) {
    const res = await history({ ...base, changedAfter, limit: 100 });
    if (!res.ok) return res;
    res.messages.forEach(keep);
    if (!res.hasMore || res.messages.length === 0) return done(true);
    changedAfter = res.messages.at(-1)!.rev;
  }
  return done(false);
}

/** The channel-grouping key a target's messages belong to, from the sender's side. */
export function targetKey(target: Target): string {
  return target.kind === "room" ? `room:${target.room}` : target.kind === "broadcast" ? "broadcast" : `dm:${target.peer}`;
}
