/**
 * The page's side of the protocol: one connection, the outbox pump
 * (delivery.ts), and keeping every open conversation complete — rejoining
 * rooms and catching up after each (re)connect, paging older history in.
 * It owns the data (channels) and tells the page what changed through
 * `ClientEvents`; it never touches the DOM.
 */
import type { Ack, AckError, ChatMessage, RoomInfo, Session, User } from "../../server/protocol";
import { DEFAULT_ROOMS, roomProblem } from "../../server/names";
import { BROADCAST_ID, Channels, dmChannelId, roomChannelId, type Channel } from "./channels";
import { connect, newClientId, request, type ChatSocket } from "./connection";
import { fetchChanges, fetchNewer, gapAfter, Outbox, OutboxPump, retryWhile, targetKey, type Extras, type OutboxEntry, type Target } from "./delivery";
import { loadSaved, storeSaved } from "./saved-state";

export type ConnState = "connected" | "reconnecting" | "offline";

export type ClientEvents = {
  /** Anything shown may have changed. */
  changed(): void;
  /** A request failed; `context` says which, for the message shown. */
  failed(error: AckError, context?: { join?: string; private?: boolean }): void;
  connection(state: ConnState): void;
  session(session: Session): void;
  /** The name was refused: ask for another. */
  refused(): void;
  /** A message arrived live (not from history). */
  message(message: ChatMessage, channel: Channel, isNew: boolean): void;
  /** Someone mentioned this person in a conversation whose messages this tab does not receive (a room not joined). */
  mentionElsewhere(message: ChatMessage): void;
  typing(room: string, user: User, typing: boolean): void;
};

export class ChatClient {
  readonly channels = new Channels();
  readonly outbox = new Outbox(sessionStorage);
  readonly saved = loadSaved();
  me = this.saved.userId ?? "";
  active = BROADCAST_ID;
  rooms: RoomInfo[] = DEFAULT_ROOMS.map((name) => ({ name, members: 0 }));
  /** Mentions in rooms this person has not joined, by room. */
  readonly roomMentions = new Map<string, number>();
  /** Read markers waiting to be sent, by channel id (sent at most once a second). */
  private readonly pendingReads = new Map<string, Channel>();
  private readTimer: ReturnType<typeof setTimeout> | undefined;
  private socket: ChatSocket | undefined;
  private synced = false;
  /** Bumped on every connection, so a resync of an older connection never marks the new one synced. */
  private connection = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pump: OutboxPump;

  constructor(private readonly events: ClientEvents) {
    this.pump = new OutboxPump(
      this.outbox,
      (entry) => this.sendEntry(entry),
      {
        acked: (entry, message) => {
          const channel = this.channels.get(targetKey(entry.target));
          if (channel) this.channels.add(channel, [message]);
          this.events.changed();
        },
        failed: (entry, error) => {
          const channel = this.channels.get(targetKey(entry.target));
          channel?.failed.set(entry.clientId, { text: entry.text, code: error.code });
          this.events.failed(error, { private: entry.target.kind === "private" });
          this.events.changed();
        },
      },
      // Send only once rooms are rejoined after a (re)connect, or they would refuse it.
      () => (this.socket?.connected ?? false) && this.synced,
    );
    this.channels.open(BROADCAST_ID, { kind: "broadcast", title: "Everyone" });
    for (const room of this.saved.rooms ?? []) {
      if (typeof room === "string" && !roomProblem(room)) this.channels.open(roomChannelId(room), { kind: "room", title: `# ${room}`, room });
    }
    for (const peer of this.saved.dms ?? []) this.channels.open(dmChannelId(peer.userId), { kind: "dm", title: peer.name, peer });
    if (this.saved.active && this.channels.get(this.saved.active)) this.active = this.saved.active;
    setInterval(() => void this.refreshRooms(), 15_000);
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  save(): void {
    const { name, token } = this.saved;
    storeSaved({
      ...(name ? { name } : {}),
      ...(token ? { token } : {}),
      ...(this.me ? { userId: this.me } : {}),
      rooms: this.channels.list().flatMap((c) => (c.kind === "room" && c.room ? [c.room] : [])),
      dms: this.channels.list().flatMap((c) => (c.kind === "dm" && c.peer ? [c.peer] : [])),
      active: this.active,
    });
  }

  /** Connects as `name` (with the saved token, if any) and keeps the connection in sync. */
  start(name: string): void {
    this.socket?.disconnect();
    const s = connect(name, () => this.saved.token);
    this.socket = s;
    this.events.connection("reconnecting");

    s.on("session", (session) => {
      this.me = session.userId;
      this.saved.name = session.name;
      this.saved.token = session.token;
      this.save();
      this.events.session(session);
      this.events.connection("connected");
      const current = ++this.connection;
      void retryWhile(() => this.resync(), () => s.connected && current === this.connection).then((done) => {
        if (!done) return;
        this.synced = true;
        this.pump.kick();
      });
    });
    s.on("connect_error", (err) => {
      if (err.message === "UNAUTHORIZED") {
        // Our stored identity is no longer valid (e.g. the server's secret changed): start a new one.
        delete this.saved.token;
        this.save();
        this.start(name);
        return;
      }
      if (err.message === "INVALID_INPUT") {
        s.disconnect();
        this.events.refused();
        return;
      }
      this.events.connection("reconnecting");
    });
    s.on("disconnect", (reason) => {
      this.synced = false;
      this.events.connection(reason === "io client disconnect" ? "offline" : "reconnecting");
      this.events.changed();
    });
    s.on("message", (message) => {
      const channel = this.channels.channelFor(message, this.me);
      if (!channel) return;
      const added = this.channels.add(channel, [message]) > 0;
      if (channel.kind === "dm") this.save();
      if (added && message.from.userId !== this.me && (channel.id !== this.active || document.hidden)) {
        channel.unread++;
        if (message.mentions?.includes(this.me)) channel.mentions++;
      }
      this.events.message(message, channel, added);
      this.events.changed();
    });
    s.on("presence", ({ room, members }) => {
      const channel = this.channels.get(roomChannelId(room));
      if (channel) {
        noteMembershipChanges(channel, members);
        channel.members = members;
        this.events.changed();
      }
      this.refreshRoomsSoon();
    });
    s.on("typing", ({ room, user, typing }) => this.events.typing(room, user, typing));
    s.on("message updated", (message) => {
      const channel = this.channels.channelFor(message, this.me);
      if (channel && this.channels.update(channel, message)) this.events.changed();
    });
    s.on("mention", ({ message }) => {
      // In an open conversation the message itself arrives too and is counted there.
      if (this.channels.channelFor(message, this.me) || !message.room) return;
      this.roomMentions.set(message.room, (this.roomMentions.get(message.room) ?? 0) + 1);
      this.events.mentionElsewhere(message);
      this.events.changed();
    });
    s.on("read", (notice) => {
      const channel = this.channels.list().find((c) => sameChannel(Channels.base(c), notice));
      if (!channel) return;
      channel.readUpTo = channel.readUpTo && channel.readUpTo > notice.upTo ? channel.readUpTo : notice.upTo;
      // Another tab read up to there: what is left unread here is what came after.
      const after = [...channel.messages.values()].filter((m) => m.id > channel.readUpTo! && m.from.userId !== this.me);
      channel.unread = after.length;
      channel.mentions = after.filter((m) => m.mentions?.includes(this.me)).length;
      this.events.changed();
    });
  }

  /**
   * Remembers on the server that this person has read `channel` up to its
   * newest message (throttled to once a second); every tab of theirs clears
   * its badges.
   */
  markRead(channel: Channel): void {
    channel.unread = 0;
    channel.mentions = 0;
    const upTo = lastId(channel);
    if (!upTo || (channel.readUpTo && channel.readUpTo >= upTo)) return;
    this.pendingReads.set(channel.id, channel);
    this.readTimer ??= setTimeout(() => {
      this.readTimer = undefined;
      for (const pending of this.pendingReads.values()) {
        const newest = lastId(pending);
        if (!this.socket?.connected || !newest || (pending.readUpTo && pending.readUpTo >= newest)) continue;
        pending.readUpTo = newest;
        void request(this.socket, "read", { ...Channels.base(pending), upTo: newest });
      }
      this.pendingReads.clear();
    }, 1000);
  }

  /** Changes a message of this person's (protocol v1.1 `edit`). */
  async edit(id: string, text: string): Promise<boolean> {
    return this.change((s) => request(s, "edit", { id, text }));
  }

  /** Deletes a message of this person's: everyone sees a tombstone. */
  async remove(id: string): Promise<boolean> {
    return this.change((s) => request(s, "delete", { id }));
  }

  /** Adds (`on`) or takes back this person's `emoji` on a message. */
  async react(id: string, emoji: string, on: boolean): Promise<boolean> {
    return this.change((s) => request(s, "react", { id, emoji, on }));
  }

  private async change(call: (socket: ChatSocket) => Promise<Ack<{ message: ChatMessage }>>): Promise<boolean> {
    if (!this.socket?.connected) {
      this.events.failed({ code: "UNAVAILABLE", message: "not connected" });
      return false;
    }
    const res = await call(this.socket);
    if (!res.ok) {
      this.events.failed(res.error);
      return false;
    }
    const channel = this.channels.channelFor(res.message, this.me);
    if (channel && this.channels.update(channel, res.message)) this.events.changed();
    return true;
  }

  /** Pages older history into `channel` until message `id` is held (at most 40 pages); true when it is. */
  async loadUntil(channel: Channel, id: string): Promise<boolean> {
    for (let page = 0; !channel.messages.has(id) && channel.hasMore && page < 40; page++) await this.loadOlder(channel);
    return channel.messages.has(id);
  }

  /** Searches what this person may read; newest first, `before` pages on. */
  async search(q: string, before?: string) {
    if (!this.socket) return { ok: false as const, error: { code: "UNAVAILABLE" as const, message: "not connected" } };
    return request(this.socket, "search", { q, ...(before ? { before } : {}) });
  }

  /**
   * Opens the conversation a message belongs to and pages older history in
   * until the message is held; resolves with its channel, or undefined when
   * it could not be reached.
   */
  async reveal(message: ChatMessage): Promise<Channel | undefined> {
    let channel: Channel | undefined;
    if (message.kind === "private") {
      const peer = message.from.userId === this.me ? message.to : message.from;
      if (peer) await this.openPrivate({ ...peer, socketId: peer.socketId });
      channel = peer ? this.channels.get(dmChannelId(peer.userId)) : undefined;
    } else if (message.kind === "broadcast") {
      this.activate(BROADCAST_ID);
      channel = this.channels.get(BROADCAST_ID);
    } else if (message.room) {
      await this.openRoom(message.room);
      channel = this.channels.get(roomChannelId(message.room));
    }
    return channel && (await this.loadUntil(channel, message.id)) ? channel : undefined;
  }

  /** Opens a conversation: clears its unread count and remembers it. */
  activate(id: string): void {
    this.active = id;
    const channel = this.channels.get(id);
    if (channel) {
      channel.unread = 0;
      channel.mentions = 0;
      if (channel.room) this.roomMentions.delete(channel.room);
    }
    this.save();
    this.events.changed();
  }

  /** Opens a room, joining it first unless already joined. */
  async openRoom(room: string): Promise<void> {
    const joined = this.channels.get(roomChannelId(room));
    if (joined) return this.activate(joined.id);
    await this.joinRoom(room, true);
  }

  /** Opens (or creates) the private conversation with `user`, loading its history. */
  async openPrivate(user: User): Promise<void> {
    const channel = this.channels.open(dmChannelId(user.userId), { kind: "dm", title: user.name, peer: user });
    channel.peer = user;
    this.activate(channel.id);
    await this.catchUp(channel, lastId(channel));
    this.events.changed();
  }

  /** Joins a room; resolves with the newest page of its history, or undefined on failure. */
  async joinRoom(room: string, focus: boolean): Promise<ChatMessage[] | undefined> {
    if (!this.socket) return undefined;
    const res = await request(this.socket, "join", room);
    if (!res.ok) {
      this.events.failed(res.error, { join: room });
      return undefined;
    }
    const channel = this.channels.open(roomChannelId(res.room), { kind: "room", title: `# ${res.room}`, room: res.room });
    channel.members = res.members;
    const hadOlder = channel.messages.size > 0;
    this.channels.add(channel, res.history);
    // Messages held from before a reconnect may already reach further back.
    if (!hadOlder) channel.hasMore = res.hasMore;
    if (focus) {
      this.activate(channel.id);
      void this.refreshRooms();
    }
    this.save();
    this.events.changed();
    return res.history;
  }

  async leaveRoom(channel: Channel): Promise<void> {
    if (!this.socket || !channel.room) return;
    const res = await request(this.socket, "leave", channel.room);
    if (!res.ok) return this.events.failed(res.error);
    this.channels.close(channel.id);
    this.activate(BROADCAST_ID);
    void this.refreshRooms();
  }

  /** Loads the page of history older than the oldest message held. */
  async loadOlder(channel: Channel): Promise<void> {
    if (!this.socket) return;
    const oldest = [...channel.messages.keys()].sort()[0];
    const res = await request(this.socket, "history", { ...historyBase(channel), ...(oldest ? { before: oldest } : {}) });
    if (!res.ok) return this.events.failed(res.error);
    this.channels.add(channel, res.messages);
    channel.hasMore = res.hasMore;
    this.events.changed();
  }

  /** Queues a message for the open conversation; the pump sends it now or once connected. */
  send(text: string, extras: Extras = {}): void {
    const channel = this.channels.get(this.active);
    if (!channel) return;
    const target: Target =
      channel.kind === "room"
        ? { kind: "room", room: channel.room! }
        : channel.kind === "dm"
          ? { kind: "private", to: channel.peer!.socketId, peer: channel.peer!.userId }
          : { kind: "broadcast" };
    this.outbox.add(target, text, newClientId(), extras);
    this.events.changed();
    this.pump.kick();
  }

  /** Tells the open room whether this person is typing. */
  typing(room: string, typing: boolean): void {
    if (this.socket?.connected) this.socket.emit("typing", { room, typing });
  }

  async refreshRooms(): Promise<void> {
    if (!this.socket) return;
    const res = await request(this.socket, "rooms");
    if (res.ok) {
      this.rooms = res.rooms;
      // The server counts unread after this person's read marker, so a reload or another tab agrees.
      for (const info of res.rooms) {
        const channel = this.channels.get(roomChannelId(info.name));
        if (channel && channel.id !== this.active && info.unread !== undefined) channel.unread = info.unread;
      }
    }
    this.events.changed();
  }

  /** Member counts change with every presence event; ask for them at most every 2 s. */
  private refreshRoomsSoon(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshRooms();
    }, 2000);
  }

  /**
   * After (re)connecting: rejoin rooms, then fetch everything newer than the
   * last message held in every open conversation — no gap, and dedup by id
   * means no duplicate either. Resolves false when any step failed (retried
   * by the caller; joins and catch-ups are idempotent).
   */
  private async resync(): Promise<boolean> {
    const results = await Promise.all(
      this.channels.list().map(async (channel) => {
        const last = lastId(channel);
        const lastRev = Channels.lastRev(channel);
        const caughtUp =
          channel.kind !== "room"
            ? await this.catchUp(channel, last)
            : await this.joinRoom(channel.room!, false).then((newest) =>
                !newest ? false : last !== undefined && gapAfter(newest, last, 50) ? this.catchUp(channel, last) : true,
              );
        return caughtUp && (lastRev === undefined || (await this.catchUpChanges(channel, lastRev)));
      }),
    );
    await this.refreshRooms();
    const conversations = await this.loadConversations();
    return results.every(Boolean) && conversations;
  }

  /**
   * Opens every private conversation this person has (so a new tab, or one
   * whose storage was cleared, finds them all) with the server's unread count.
   */
  private async loadConversations(): Promise<boolean> {
    if (!this.socket) return false;
    const res = await request(this.socket, "conversations");
    if (!res.ok) return false;
    for (const { user, last, unread } of res.conversations) {
      const known = this.channels.get(dmChannelId(user.userId));
      const peer = known?.peer ?? { ...user, socketId: "" };
      const channel = this.channels.open(dmChannelId(user.userId), { kind: "dm", title: user.name, peer });
      if (!channel.messages.size) this.channels.add(channel, [last]);
      if (channel.id !== this.active) channel.unread = unread;
    }
    this.save();
    return true;
  }

  /**
   * Fetches what a conversation is missing after `afterId` — or, holding
   * nothing yet, its newest page; false when it could not.
   */
  private async catchUp(channel: Channel, afterId: string | undefined): Promise<boolean> {
    if (!this.socket) return false;
    const s = this.socket;
    if (afterId === undefined) {
      const newest = await request(s, "history", historyBase(channel));
      if (!newest.ok) {
        this.events.failed(newest.error);
        return false;
      }
      this.channels.add(channel, newest.messages);
      channel.hasMore = newest.hasMore;
      return true;
    }
    const res = await fetchNewer((query) => request(s, "history", query), historyBase(channel), afterId);
    if (!res.ok) {
      this.events.failed(res.error);
      return false;
    }
    if (!res.complete) {
      // Too much was missed to fetch it all: show the newest page, older ones on demand.
      channel.messages.clear();
      return this.catchUp(channel, undefined);
    }
    this.channels.add(channel, res.messages);
    return true;
  }

  /**
   * Edits, deletions and reactions made while this tab was away (protocol
   * v1.1 `changedAfter`): each changed message replaces the one held.
   */
  private async catchUpChanges(channel: Channel, lastRev: string): Promise<boolean> {
    if (!this.socket) return false;
    const s = this.socket;
    const res = await fetchChanges((query) => request(s, "history", query), historyBase(channel), lastRev);
    if (!res.ok) {
      this.events.failed(res.error);
      return false;
    }
    for (const message of res.messages) this.channels.update(channel, message);
    return true;
  }

  private sendEntry({ target, text, clientId, replyTo, mentions }: OutboxEntry) {
    if (!this.socket) {
      const error: AckError = { code: "UNAVAILABLE", message: "not connected" };
      return Promise.resolve({ ok: false as const, error });
    }
    const extras = { ...(replyTo ? { replyTo } : {}), ...(mentions?.length ? { mentions } : {}) };
    switch (target.kind) {
      case "room":
        return request(this.socket, "message", { room: target.room, text, clientId, ...extras });
      case "broadcast":
        return request(this.socket, "broadcast", { text, clientId, ...extras });
      case "private":
        // By person, not socket: it reaches them on every tab, or when they come back.
        return request(this.socket, "private message", { toUser: target.peer, text, clientId, ...extras });
    }
  }
}

function lastId(channel: Channel): string | undefined {
  let last: string | undefined;
  for (const id of channel.messages.keys()) if (last === undefined || id > last) last = id;
  return last;
}

const historyBase = Channels.base;

function sameChannel(a: ReturnType<typeof Channels.base>, b: object): boolean {
  return ("room" in a && "room" in b && a.room === b.room) || ("with" in a && "with" in b && a.with === b.with) || ("broadcast" in a && "broadcast" in b);
}

function noteMembershipChanges(channel: Channel, members: User[]): void {
  const before = new Map(channel.members.map((m) => [m.socketId, m]));
  const after = new Map(members.map((m) => [m.socketId, m]));
  const at = new Date().toISOString();
  for (const [id, m] of after) if (!before.has(id)) channel.notices.push({ id: `join-${id}-${at}`, event: "joined", name: m.name, at });
  for (const [id, m] of before) if (!after.has(id)) channel.notices.push({ id: `left-${id}-${at}`, event: "left", name: m.name, at });
  if (channel.notices.length > 200) channel.notices.splice(0, channel.notices.length - 200);
}
