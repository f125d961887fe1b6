/**
 * Client-side delivery: an outbox that survives reloads and resends, in
 * order, until the server acks; and catch-up of what was missed while away.
 *
 * DOM-free and transport-agnostic, so the browser page and the Node chaos
 * test run the same code: the caller supplies the storage and a `send`
 * function that performs one acked emit.
 */
import type { Ack, AckError, Attachment, ChatMessage, ErrorCode, Page } from "../../server/protocol.js";

export type Target =
  | { kind: "room"; room: string }
  | { kind: "broadcast" }
  /**
   * `peer` is the recipient's userId (what it is sent to, and how it is grouped), `to` a
   * socket id of theirs; with `tab` it is sent to that one socket (`private message { to }`).
   */
  | { kind: "private"; to: string; peer: string; tab?: boolean };

/**
 * What a message carries besides its text: the message it answers, who it mentions (protocol v1.1),
 * the files stored for it (v1.2; kept whole so that the page can show them while it waits, sent as ids).
 */
export type Extras = { replyTo?: string; mentions?: string[]; attachments?: Attachment[] };

/** A message waiting to be sent. Entries stored before changes were queued have no `kind`: they are messages. */
export type MessageEntry = { kind: "message"; clientId: string; target: Target; text: string; queuedAt: string } & Extras;

/** A change to a stored message of this person's (protocol v1.1 `edit`, `delete`, `react`); each is idempotent on the server. */
export type Change =
  | { kind: "edit"; id: string; text: string }
  | { kind: "delete"; id: string }
  | { kind: "react"; id: string; emoji: string; on: boolean };

/** A change waiting to be sent; `clientId` only names the entry in the outbox. */
export type ChangeEntry = Change & { clientId: string; queuedAt: string };

export type OutboxEntry = MessageEntry | ChangeEntry;

/** The part of the Web Storage API the outbox needs (sessionStorage in browsers). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Errors worth retrying: the same request may succeed later. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(["UNAVAILABLE", "RATE_LIMITED", "INTERNAL"]);

export const isChange = (entry: OutboxEntry): entry is ChangeEntry => entry.kind !== "message";

/**
 * Messages and changes waiting for their ack, oldest first, persisted on
 * every change. Changes are coalesced as they are queued, except with the
 * entry being sent (`sending`), whose answer is still to come: a second edit
 * of a message replaces the first; taking a reaction back cancels giving it
 * (and the other way round); a deletion drops the message's queued edits and
 * reactions, which it makes moot.
 */
export class Outbox {
  private entries: OutboxEntry[];
  /** The clientId of the entry the pump is sending, if any. */
  sending: string | undefined;

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

  /** The changes queued for message `id`, oldest first. */
  changesOf(id: string): ChangeEntry[] {
    return this.entries.filter((e): e is ChangeEntry => isChange(e) && e.id === id);
  }

  add(target: Target, text: string, clientId: string, extras: Extras = {}): MessageEntry {
    const entry: MessageEntry = { kind: "message", clientId, target, text, queuedAt: new Date().toISOString(), ...extras };
    this.entries.push(entry);
    this.save();
    return entry;
  }

  /**
   * Queues a change, coalesced with those queued before it. Returns its entry
   * (or the equal one already queued), or undefined when it left nothing to
   * send: it undid a queued reaction, or the message is being deleted.
   */
  change(change: Change, clientId: string): ChangeEntry | undefined {
    const ofMessage = this.changesOf(change.id);
    if (ofMessage.some((e) => e.kind === "delete")) return change.kind === "delete" ? ofMessage.find((e) => e.kind === "delete") : undefined;
    const open = ofMessage.filter((e) => e.clientId !== this.sending);
    let moot: ChangeEntry[] = [];
    if (change.kind === "edit") {
      moot = open.filter((e) => e.kind === "edit");
    } else if (change.kind === "delete") {
      moot = open;
    } else {
      const queued = open.find((e) => e.kind === "react" && e.emoji === change.emoji);
      if (queued?.kind === "react" && queued.on === change.on) return queued;
      if (queued) {
        this.entries = this.entries.filter((e) => e !== queued);
        this.save();
        return undefined;
      }
    }
    const entry: ChangeEntry = { ...change, clientId, queuedAt: new Date().toISOString() };
    this.entries = [...this.entries.filter((e) => !moot.includes(e as ChangeEntry)), entry];
    this.save();
    return entry;
  }

  remove(clientId: string): void {
    this.entries = this.entries.filter((e) => e.clientId !== clientId);
    this.save();
  }

  /** Forgets everything waiting (the person it was written as is gone from this page). */
  clear(): void {
    this.entries = [];
    this.save();
  }

  private save(): void {
    this.storage.setItem(this.key, JSON.stringify(this.entries));
  }
}

const CHANGE_KINDS: ReadonlySet<unknown> = new Set(["edit", "delete", "react"]);

function load(storage: KeyValueStorage, key: string): OutboxEntry[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(key) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((raw: unknown): OutboxEntry[] => {
      if (typeof raw !== "object" || raw === null) return [];
      const e = raw as Partial<OutboxEntry> & { kind?: unknown };
      if (typeof e.clientId !== "string") return [];
      if (e.kind === undefined || e.kind === "message") return [{ ...(e as MessageEntry), kind: "message" }];
      return CHANGE_KINDS.has(e.kind) && typeof (e as ChangeEntry).id === "string" ? [e as ChangeEntry] : [];
    });
  } catch {
    return [];
  }
}

/** What the server is sent for a change: the payload of its `edit`, `delete` or `react` event. */
export function changePayload(change: Change): { id: string; text: string } | { id: string } | { id: string; emoji: string; on: boolean } {
  switch (change.kind) {
    case "edit":
      return { id: change.id, text: change.text };
    case "delete":
      return { id: change.id };
    case "react":
      return { id: change.id, emoji: change.emoji, on: change.on };
  }
}

export type PumpHooks = {
  /** The server stored the message or applied the change (or had already: a retry); `message` is its new state. */
  acked(entry: OutboxEntry, message: ChatMessage): void;
  /** The server refused it for good (e.g. NOT_IN_ROOM, NOT_FOUND, FORBIDDEN); it left the outbox. */
  failed(entry: OutboxEntry, error: AckError): void;
};

/**
 * Sends the outbox one entry at a time, in order. A retryable answer
 * (storage down, rate limited, no answer) waits with exponential backoff and
 * tries the same entry again — a message's clientId makes the retry
 * harmless, and changes are idempotent (an edit sets the text, a reaction is
 * on or off, deleting twice leaves one tombstone). The pump stops while
 * disconnected; call `kick()` once connected again.
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
      this.outbox.sending = next.clientId;
      const res = await this.send(next).finally(() => (this.outbox.sending = undefined));
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
