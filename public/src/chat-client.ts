/**
 * The page's connection: connects as a name (keeping the identity the server
 * handed out), the outbox pump that resends until acked (delivery.ts), and
 * bringing every open conversation up to date after each (re)connect —
 * rejoining rooms, fetching what was missed and what changed. What the page
 * knows of its conversations lives in Conversations, which this extends.
 */
import type { AckError, ChatMessage } from "../../server/protocol";
import type { ChatSocket } from "./connection";
import { markCaughtUp, shownMessage } from "./channels";
import { currentSession, signOut } from "./accounts-api";
import { connect, newClientId, request } from "./connection";
import type { ClientEvents } from "./client-events";
import { Conversations } from "./conversations";
import { gapAfter, Outbox, OutboxPump, retryWhile, targetKey, type Change, type Extras, type OutboxEntry, type Target } from "./delivery";

export type { ClientEvents, ConnState } from "./client-events";

export class ChatClient extends Conversations {
  readonly outbox = new Outbox(sessionStorage);
  private synced = false;
  /** Bumped on every connection, so a resync of an older connection never marks the new one synced. */
  private connection = 0;
  private readonly pump: OutboxPump;

  constructor(events: ClientEvents) {
    super(events);
    this.pump = new OutboxPump(
      this.outbox,
      (entry) => this.sendEntry(entry),
      {
        acked: (entry, message) => {
          if (entry.kind === "message") {
            const channel = this.channels.get(targetKey(entry.target));
            if (channel) this.channels.add(channel, [message]);
          } else {
            // The message's new state replaces what was shown from the outbox.
            const channel = this.channels.channelFor(message, this.me);
            if (channel) this.channels.update(channel, message);
            channel?.refused.delete(message.id);
          }
          this.events.changed();
        },
        failed: (entry, error) => {
          if (entry.kind !== "message") {
            // Left the outbox, so the page shows the message as the server holds it again, saying what was refused.
            const { clientId: _id, queuedAt: _at, ...change } = entry;
            for (const channel of this.channels.list()) {
              if (channel.messages.has(entry.id)) channel.refused.set(entry.id, { change, code: error.code });
            }
            this.events.failed(error, { change: entry });
            this.events.changed();
            return;
          }
          const channel = this.channels.get(targetKey(entry.target));
          channel?.failed.set(entry.clientId, { text: entry.text, ...(entry.attachments ? { attachments: entry.attachments } : {}), code: error.code });
          // That tab is gone: what is written next goes to the person again.
          if (channel && entry.target.kind === "private" && entry.target.tab && channel.tab === entry.target.to) delete channel.tab;
          this.events.failed(error, { private: entry.target.kind === "private" });
          this.events.changed();
        },
      },
      // Send only once rooms are rejoined after a (re)connect, or they would refuse it.
      () => (this.socket?.connected ?? false) && this.synced,
    );
  }

  /** Live messages and changes extend what is known complete only while in sync. */
  protected override onMessage(message: ChatMessage): void {
    super.onMessage(message);
    this.extendCaughtUp(message);
  }

  protected override onMessageUpdated(message: ChatMessage): void {
    super.onMessageUpdated(message);
    this.extendCaughtUp(message);
  }

  private extendCaughtUp(message: ChatMessage): void {
    const channel = this.synced ? this.channels.channelFor(message, this.me) : undefined;
    if (!channel?.caughtUp) return;
    const { id, rev } = channel.caughtUp;
    channel.caughtUp = { id: id === undefined || message.id > id ? message.id : id, rev: rev === undefined || message.rev > rev ? message.rev : rev };
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Connects as `name` (with the saved token, if any) and keeps the connection in sync. */
  start(name: string): void {
    this.socket?.disconnect();
    const s = connect(name, () => this.saved.token);
    this.socket = s;
    this.events.connection("reconnecting");

    s.on("session", (session) => {
      // This page was signed in, but the server saw no session cookie (cleared, or expired): signed out, not a new guest unasked.
      if (this.saved.account && !session.account) {
        this.stop();
        void signOut().then(() => this.events.signedOut());
        return;
      }
      this.me = session.userId;
      this.saved.name = session.name;
      // Signed in, the session cookie is the identity: no token to keep.
      if (session.token) this.saved.token = session.token;
      else delete this.saved.token;
      if (session.account) this.saved.account = session.account;
      else delete this.saved.account;
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
        s.disconnect();
        void this.recheck(s, name);
        return;
      }
      if (err.message === "INVALID_INPUT" || err.message === "NAME_TAKEN") {
        s.disconnect();
        this.events.refused(err.message);
        return;
      }
      // The server could not check who we are (storage down): Socket.IO does not retry a refused handshake itself.
      if (err.message === "UNAVAILABLE") {
        setTimeout(() => {
          if (this.socket === s && !s.active) s.connect();
        }, 1000 + Math.random() * 1000);
      }
      this.events.connection("reconnecting");
    });
    s.on("disconnect", (reason) => {
      // Signed in, the server ends a connection when the session ends (signed out on another device): find out, and carry on as a guest if so.
      if (reason === "io server disconnect" && this.saved.account) void this.recheck(s, name);
      this.synced = false;
      this.events.connection(reason === "io client disconnect" ? "offline" : "reconnecting");
      this.events.changed();
    });
    s.on("message", (message) => this.onMessage(message));
    s.on("presence", (presence) => this.onPresence(presence));
    s.on("person", (notice) => this.onPerson(notice));
    s.on("typing", (notice) => this.events.typing(notice));
    s.on("message updated", (message) => this.onMessageUpdated(message));
    s.on("mention", ({ message }) => this.onMention(message));
    s.on("read", (notice) => this.onRead(notice));
  }

  /** Closes the connection (signing out): nothing reconnects it until `start`. */
  stop(): void {
    const s = this.socket;
    this.socket = undefined;
    s?.disconnect();
  }

  /**
   * The server refused who this page said it was (or, signed in, ended the
   * connection). Asks the server who the session cookie signs in: someone
   * (a guest who became an account in another tab) → connect as them;
   * nobody → the cookie is cleared and a guest's stale token dropped, and a
   * signed-in page is told it was signed out; the server unreachable → try
   * again shortly.
   */
  private async recheck(s: ChatSocket, name: string): Promise<void> {
    const session = await currentSession();
    if (this.socket !== s) return;
    if (session.ok) {
      delete this.saved.token;
      this.saved.account = session.value.username;
      this.saved.name = session.value.name;
      this.save();
      this.start(session.value.name);
      return;
    }
    if (session.code !== "UNAUTHORIZED") {
      setTimeout(() => {
        if (this.socket === s) void this.recheck(s, name);
      }, 2000 + Math.random() * 1000);
      return;
    }
    // Makes sure no ended session's cookie is sent again.
    await signOut();
    if (this.socket !== s) return;
    if (this.saved.account) {
      this.stop();
      this.events.signedOut();
      return;
    }
    // A guest whose token is no longer valid (e.g. the server's secret changed): start a new identity.
    delete this.saved.token;
    this.save();
    this.start(name);
  }

  /** Queues a message for the open conversation; the pump sends it now or once connected. */
  send(text: string, extras: Extras = {}): void {
    const channel = this.channels.get(this.active);
    if (!channel) return;
    const target: Target =
      channel.kind === "room"
        ? { kind: "room", room: channel.room! }
        : channel.kind === "dm"
          ? channel.tab
            ? { kind: "private", to: channel.tab, peer: channel.peer!.userId, tab: true }
            : { kind: "private", to: channel.peer!.socketId, peer: channel.peer!.userId }
          : { kind: "broadcast" };
    this.outbox.add(target, text, newClientId(), extras);
    this.events.changed();
    this.pump.kick();
  }

  /** Queues a change like a message: applied now if connected, else once the connection is back. */
  protected queueChange(change: Change): boolean {
    const entry = this.outbox.change(change, newClientId());
    this.events.changed();
    this.pump.kick();
    // Undoing a queued reaction leaves nothing to send, and that is its success.
    return entry !== undefined || change.kind === "react";
  }

  /** A message as this person sees it: what the server holds plus their changes still queued. */
  shown(message: ChatMessage): ChatMessage {
    return shownMessage(message, this.outbox.changesOf(message.id), this.me);
  }

  /** Whether this person's `emoji` shows on a message (so a click takes it back), queued changes included. */
  reacted(message: ChatMessage, emoji: string): boolean {
    return this.shown(message).reactions?.some((r) => r.emoji === emoji && r.userIds.includes(this.me)) ?? false;
  }

  /** Tells the open room, or the other person of a private conversation (`toUser`), whether this person is typing. */
  typing(to: { room: string } | { toUser: string }, typing: boolean): void {
    if (this.socket?.connected) this.socket.emit("typing", { ...to, typing });
  }

  /**
   * After (re)connecting: rejoin rooms, then fetch everything newer than the
   * last message held in every open conversation — no gap, and dedup by id
   * means no duplicate either. Resolves false when any step failed (retried
   * by the caller; joins and catch-ups are idempotent).
   */
  private async resync(): Promise<boolean> {
    const channels = this.channels.list();
    // Just loaded: read the unread counts before this page marks anything read, for the open conversation's divider.
    const loading = !this.loaded;
    const conversationsBefore = loading ? await this.refreshRooms().then(() => this.loadConversations()) : true;
    const results = await Promise.all(
      // Not a room left meanwhile.
      channels.filter((c) => this.channels.get(c.id) === c).map(async (channel) => {
        const last = channel.caughtUp?.id;
        const lastRev = channel.caughtUp?.rev;
        const caughtUp =
          channel.kind !== "room"
            ? await this.catchUp(channel, last)
            : await this.joinRoom(channel.room!, false).then((newest) =>
                !newest ? false : last !== undefined && gapAfter(newest, last, 50) ? this.catchUp(channel, last) : true,
              );
        const complete = caughtUp && (lastRev === undefined || (await this.catchUpChanges(channel, lastRev)));
        if (complete) markCaughtUp(channel);
        return complete;
      }),
    );
    const conversations = loading ? conversationsBefore : await this.refreshRooms().then(() => this.loadConversations());
    const done = results.every(Boolean) && conversations;
    if (done) this.placeDividerOnLoad();
    return done;
  }

  private sendEntry(entry: OutboxEntry) {
    if (!this.socket) {
      const error: AckError = { code: "UNAVAILABLE", message: "not connected" };
      return Promise.resolve({ ok: false as const, error });
    }
    switch (entry.kind) {
      case "edit":
        return request(this.socket, "edit", { id: entry.id, text: entry.text });
      case "delete":
        return request(this.socket, "delete", { id: entry.id });
      case "react":
        return request(this.socket, "react", { id: entry.id, emoji: entry.emoji, on: entry.on });
    }
    const { target, text, clientId, replyTo, mentions, attachments } = entry;
    const extras = {
      ...(replyTo ? { replyTo } : {}),
      ...(mentions?.length ? { mentions } : {}),
      ...(attachments?.length ? { attachments: attachments.map((a) => a.id) } : {}),
    };
    switch (target.kind) {
      case "room":
        return request(this.socket, "message", { room: target.room, text, clientId, ...extras });
      case "broadcast":
        return request(this.socket, "broadcast", { text, clientId, ...extras });
      case "private":
        // By person, not socket: it reaches them on every tab, or when they come back.
        // Unless one tab of theirs was picked: then that tab must still be there (else NOT_FOUND).
        if (target.tab) return request(this.socket, "private message", { to: target.to, text, clientId, ...extras });
        return request(this.socket, "private message", { toUser: target.peer, text, clientId, ...extras });
    }
  }
}
