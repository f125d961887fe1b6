/**
 * What the page knows of its conversations and what it can ask about them
 * (channels, rooms, unread, joining, paging, changes, read markers, search).
 * It owns the data and tells the page what changed through `ClientEvents`;
 * it never touches the DOM. ChatClient adds the connection itself.
 */
import type { AckError, ChatMessage, PersonNotice, PresenceNotice, ReadNotice, RoomInfo, User } from "../../server/protocol";
import { DEFAULT_ROOMS, roomProblem } from "../../server/names";
import { catchUp, catchUpChanges, historyAround } from "./catch-up";
import { firstId, firstUnread, lastId, WINDOW } from "./channels";
import { BROADCAST_ID, Channels, dmChannelId, markCaughtUp, notePeopleChange, roomChannelId, type Channel } from "./channels";
import { request, type ChatSocket } from "./connection";
import type { ClientEvents } from "./client-events";
import type { Change } from "./delivery";
import { ReadMarkers } from "./read-markers";
import { PeopleLoader } from "./people-loader";
import { loadSaved, storeSaved } from "./saved-state";

/** Messages asked for per page of history (the protocol's most). */
const PAGE = 100;

export abstract class Conversations {
  readonly channels = new Channels();
  readonly saved = loadSaved();
  me = this.saved.userId ?? "";
  active = BROADCAST_ID;
  rooms: RoomInfo[] = DEFAULT_ROOMS.map((name) => ({ name, members: 0 }));
  /** Mentions in rooms this person has not joined, by room. */
  readonly roomMentions = new Map<string, number>();
  protected socket: ChatSocket | undefined;
  private readonly reads = new ReadMarkers(this.channels, () => this.socket, () => this.me);
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** The page has had its first sync since it loaded. */
  protected loaded = false;
  /** The open conversation's unread count when the page loaded, until its divider is placed. */
  private unreadOnLoad: number | undefined;
  /** Paging and refilling the people of rooms (v1.2 `members`). */
  readonly people = new PeopleLoader(() => this.socket, () => this.events.changed());

  constructor(protected readonly events: ClientEvents) {
    this.channels.open(BROADCAST_ID, { kind: "broadcast", title: "Everyone" });
    for (const room of this.saved.rooms ?? []) {
      if (typeof room === "string" && !roomProblem(room)) this.channels.open(roomChannelId(room), { kind: "room", title: `# ${room}`, room });
    }
    for (const peer of this.saved.dms ?? []) this.channels.open(dmChannelId(peer.userId), { kind: "dm", title: peer.name, peer });
    if (this.saved.active && this.channels.get(this.saved.active)) this.active = this.saved.active;
    setInterval(() => void this.refreshRooms(), 15_000);
  }

  save(): void {
    const { name, token, account } = this.saved;
    storeSaved({
      ...(name ? { name } : {}),
      ...(token ? { token } : {}),
      ...(account ? { account } : {}),
      ...(this.me ? { userId: this.me } : {}),
      rooms: this.channels.list().flatMap((c) => (c.kind === "room" && c.room ? [c.room] : [])),
      dms: this.channels.list().flatMap((c) => (c.kind === "dm" && c.peer ? [c.peer] : [])),
      active: this.active,
    });
  }

  protected onMessage(message: ChatMessage): void {
    const channel = this.channels.channelFor(message, this.me);
    if (!channel) return;
    const added = this.channels.arrived(channel, message);
    if (channel.kind === "dm") this.save();
    // They just wrote: they are online (and, in a room, have that tab there).
    if (channel.kind === "dm" && message.from.userId !== this.me) channel.online = true;
    if (channel.kind === "room") channel.people.sawSocket(message.from.userId, message.from.socketId);
    if (added && message.from.userId !== this.me && (channel.id !== this.active || document.hidden)) {
      channel.unread++;
      if (message.mentions?.includes(this.me)) channel.mentions++;
    }
    if (added && !channel.atNewest && message.from.userId !== this.me) channel.beyond++;
    this.events.message(message, channel, added);
    this.events.changed();
  }

  protected onPresence(notice: PresenceNotice): void {
    const channel = this.channels.get(roomChannelId(notice.room));
    if (channel) {
      const change = channel.people.apply(notice, this.me);
      notePeopleChange(channel, change);
      // Someone in a room with this person is online; someone who left it may be gone.
      for (const p of notice.joined ?? []) this.noteOnline(p.userId, true);
      this.events.changed();
    }
    this.refreshRoomsSoon();
  }

  /** Someone this person has a private conversation with came online or went away (v1.2 `person`). */
  protected onPerson({ userId, online }: PersonNotice): void {
    if (this.noteOnline(userId, online)) this.events.changed();
  }

  /** Records whether the other person of a private conversation is online; true when that changed something. */
  private noteOnline(userId: string, online: boolean): boolean {
    const channel = this.channels.get(dmChannelId(userId));
    if (!channel || channel.online === online) return false;
    channel.online = online;
    return true;
  }

  protected onMessageUpdated(message: ChatMessage): void {
    const channel = this.channels.channelFor(message, this.me);
    if (channel && this.channels.update(channel, message)) this.events.changed();
  }

  protected onMention(message: ChatMessage): void {
    // In an open conversation the message itself arrives too and is counted there.
    if (this.channels.channelFor(message, this.me) || !message.room) return;
    this.roomMentions.set(message.room, (this.roomMentions.get(message.room) ?? 0) + 1);
    this.events.mentionElsewhere(message);
    this.events.changed();
  }

  /** Another tab read up to `notice.upTo`: what is left unread here is what came after. */
  protected onRead(notice: ReadNotice): void {
    if (this.reads.readElsewhere(notice)) this.events.changed();
  }

  /** The name of someone this tab has seen (in a room, a peer, a sender), if any. */
  nameOf(userId: string): string | undefined {
    for (const channel of this.channels.list()) {
      const person = channel.people.get(userId) ?? (channel.peer?.userId === userId ? channel.peer : undefined);
      if (person) return person.name;
      for (const m of channel.messages.values()) if (m.from.userId === userId) return m.from.name;
    }
    return undefined;
  }

  /**
   * The account a userId is signed in as, as far as this page knows it (their
   * row in a room, a private conversation, a message of theirs); undefined for
   * a guest or someone unknown.
   */
  accountOf(userId: string): string | undefined {
    for (const channel of this.channels.list()) {
      const person = channel.people.get(userId) ?? (channel.peer?.userId === userId ? channel.peer : undefined);
      if (person) return person.account;
      for (const m of channel.messages.values()) if (m.from.userId === userId) return m.from.account;
    }
    return undefined;
  }

  /** This person has seen `channel` to its end: clears its badges here and, through the server, in their other tabs. */
  markRead(channel: Channel): void {
    this.reads.mark(channel);
  }

  /**
   * Changes a message of this person's (protocol v1.1 `edit`). Like the
   * deletion and reactions below, the change waits in the outbox until the
   * server has applied it (now, or once connected again) and is shown at once,
   * marked as waiting; a refusal undoes it on the page and says why
   * (`ClientEvents.failed` with the change). Resolves false when there is
   * nothing to send: the message is already being deleted.
   */
  async edit(id: string, text: string): Promise<boolean> {
    return this.queueChange({ kind: "edit", id, text });
  }

  /** Deletes a message of this person's: everyone sees a tombstone. */
  async remove(id: string): Promise<boolean> {
    return this.queueChange({ kind: "delete", id });
  }

  /** Adds (`on`) or takes back this person's `emoji` on a message. */
  async react(id: string, emoji: string, on: boolean): Promise<boolean> {
    return this.queueChange({ kind: "react", id, emoji, on });
  }

  /** Queues a change for the server (see `edit`); false when it was dropped as moot. */
  protected abstract queueChange(change: Change): boolean;

  /**
   * Makes message `id` part of `channel`'s window: when it is not held, the
   * window becomes the page around it (protocol v1.2 `around`), however far
   * back it lies. True when it is held then.
   */
  async jumpTo(channel: Channel, id: string): Promise<boolean> {
    if (channel.messages.has(id)) return true;
    if (!this.socket) return false;
    const res = await historyAround(this.socket, Channels.base(channel), id, PAGE);
    if (!res.ok) {
      this.events.failed(res.error);
      return false;
    }
    if (!this.isShown(channel)) return false; // the reader went elsewhere meanwhile
    this.channels.replace(channel, res.messages, res.hasOlder, !res.hasNewer);
    this.events.changed();
    return channel.messages.has(id);
  }

  /** Brings a window the reader paged or jumped away from back to the newest page. */
  async toNewest(channel: Channel): Promise<void> {
    if (channel.atNewest || !this.socket) return;
    const res = await request(this.socket, "history", { ...Channels.base(channel), limit: PAGE });
    if (!res.ok) return this.events.failed(res.error);
    this.channels.replace(channel, res.messages, res.hasMore, true);
    markCaughtUp(channel);
    this.events.changed();
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
    return channel && (await this.jumpTo(channel, message.id)) ? channel : undefined;
  }

  /**
   * Opens a conversation: clears its unread count and remembers it. Opened
   * with unread messages, it notes the first of them (`unreadFrom`, the
   * divider), looking for it in older history when the window does not
   * reach back that far. The conversation left goes back to its newest
   * page and loses its divider.
   */
  activate(id: string): void {
    const left = this.active !== id ? this.channels.get(this.active) : undefined;
    this.active = id;
    const channel = this.channels.get(id);
    if (left) this.leaveWindow(left);
    if (channel && left) this.noteUnread(channel);
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

  /**
   * Opens (or creates) the private conversation with `user`, loading its
   * history. With `tab` (one of their socket ids) what is written there goes
   * to that tab of theirs (`private message { to }`); without, to the person.
   * `online`: what the page knows of them (someone in a room is online).
   */
  async openPrivate(user: User, options: { tab?: string; online?: boolean } = {}): Promise<void> {
    const channel = this.channels.open(dmChannelId(user.userId), { kind: "dm", title: user.name, peer: user });
    channel.peer = user;
    channel.title = user.name;
    if (options.tab) channel.tab = options.tab;
    else delete channel.tab;
    if (options.online !== undefined) channel.online = options.online;
    this.activate(channel.id);
    if (await this.catchUp(channel, channel.caughtUp?.id)) markCaughtUp(channel);
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
    // `join`'s own hasMore is about history; the people list is complete when it holds everyone counted.
    channel.people.reset({ people: res.people, count: res.count, hasMore: res.people.length < res.count });
    const hadOlder = channel.messages.size > 0;
    this.channels.add(channel, res.history);
    // Messages held from before a reconnect may already reach further back.
    if (!hadOlder) {
      channel.hasMore = res.hasMore;
      markCaughtUp(channel);
    }
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

  /** Loads the page of history older than the oldest message held; the newest beyond `WINDOW` leave the window. */
  async loadOlder(channel: Channel): Promise<void> {
    if (!this.socket) return;
    const oldest = firstId(channel);
    const res = await request(this.socket, "history", { ...Channels.base(channel), limit: PAGE, ...(oldest ? { before: oldest } : {}) });
    if (!res.ok) return this.events.failed(res.error);
    if (!this.isShown(channel) || firstId(channel) !== oldest) return; // the window moved, or was left, meanwhile
    // Room for the page first, from the newer end, so that the page itself is never what gets trimmed.
    Channels.trim(channel, Math.max(0, WINDOW - res.messages.length), "newer");
    this.channels.add(channel, res.messages);
    channel.hasMore = res.hasMore;
    this.events.changed();
  }

  /** Loads the page of history newer than a window not at the newest; the oldest beyond `WINDOW` leave it. */
  async loadNewer(channel: Channel): Promise<void> {
    const newest = lastId(channel);
    if (!this.socket || channel.atNewest || !newest) return;
    const res = await request(this.socket, "history", { ...Channels.base(channel), limit: PAGE, after: newest });
    if (!res.ok) return this.events.failed(res.error);
    if (!this.isShown(channel) || lastId(channel) !== newest || channel.atNewest) return;
    this.channels.extend(channel, res.messages, !res.hasMore);
    if (!res.hasMore) markCaughtUp(channel);
    Channels.trim(channel, WINDOW, "older");
    this.events.changed();
  }

  /** `channel` is still open and the one on screen: an answer that comes back later may change its window. */
  private isShown(channel: Channel): boolean {
    return this.channels.get(channel.id) === channel && this.active === channel.id;
  }

  /** The reader is at the newest message of a window that grew with live messages: keep its newest `WINDOW`. */
  settle(channel: Channel): boolean {
    return channel.atNewest && Channels.trim(channel, WINDOW, "older");
  }

  /** A conversation no longer shown: a window away from the newest goes back to the newest page. */
  private leaveWindow(channel: Channel): void {
    channel.unreadFrom = undefined;
    channel.locating = false;
    if (channel.atNewest) return;
    channel.messages.clear();
    channel.hasMore = true;
    channel.atNewest = true;
    channel.beyond = 0;
    void this.catchUp(channel, undefined).then(() => this.events.changed());
  }

  /**
   * The server's unread count of a conversation: its badge, unless it is the
   * open one — whose count, until the page has loaded, is kept for its divider.
   */
  private noteServerUnread(channel: Channel, unread: number): void {
    if (channel.id !== this.active) channel.unread = unread;
    else if (!this.loaded) this.unreadOnLoad = unread;
  }

  /**
   * Once the page has loaded (its first sync): the conversation it reopened
   * gets its "new since you last read" divider, as if just opened.
   */
  protected placeDividerOnLoad(): void {
    if (this.loaded) return;
    this.loaded = true;
    const channel = this.channels.get(this.active);
    const unread = this.unreadOnLoad ?? 0;
    this.unreadOnLoad = undefined;
    if (!channel || unread <= 0) return;
    channel.unread = unread;
    this.noteUnread(channel);
    channel.unread = 0;
    this.events.changed();
  }

  /** Notes where the unread messages of a conversation being opened start (see `activate`). */
  private noteUnread(channel: Channel): void {
    channel.unreadFrom = undefined;
    if (channel.unread <= 0) return;
    const found = firstUnread(channel, channel.unread, this.me);
    if (!found) return;
    if ("id" in found) {
      channel.unreadFrom = found.id;
      return;
    }
    channel.locating = true;
    void this.locateUnread(channel, channel.unread - found.counted).finally(() => {
      channel.locating = false;
      this.events.changed();
    });
  }

  /**
   * Counts `left` more unread messages back from the oldest held, a page at
   * a time (unread counts stop at 1000), and opens the window around the
   * first of them.
   */
  private async locateUnread(channel: Channel, left: number): Promise<void> {
    let before = firstId(channel);
    let first: string | undefined;
    for (let page = 0; this.socket && before && left > 0 && page < 12; page++) {
      const res = await request(this.socket, "history", { ...Channels.base(channel), limit: PAGE, before });
      if (!res.ok || this.active !== channel.id) return;
      for (const m of [...res.messages].reverse()) {
        if (m.from.userId === this.me || m.deletedAt !== undefined) continue;
        first = m.id;
        if (--left === 0) break;
      }
      before = res.hasMore ? res.messages[0]?.id : undefined;
    }
    if (!first || this.active !== channel.id) return;
    if (await this.jumpTo(channel, first)) channel.unreadFrom = first;
  }

  async refreshRooms(): Promise<void> {
    if (!this.socket) return;
    const res = await request(this.socket, "rooms");
    if (res.ok) {
      this.rooms = res.rooms;
      // The server counts unread after this person's read marker, so a reload or another tab agrees.
      for (const info of res.rooms) {
        const channel = this.channels.get(roomChannelId(info.name));
        if (channel && info.unread !== undefined) this.noteServerUnread(channel, info.unread);
      }
    }
    this.events.changed();
  }

  /** Member counts change with every presence event; ask for them at most every 2 s. */
  protected refreshRoomsSoon(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshRooms();
    }, 2000);
  }

  /**
   * Opens every private conversation this person has (so a new tab, or one
   * whose storage was cleared, finds them all) with the server's unread count.
   */
  protected async loadConversations(): Promise<boolean> {
    if (!this.socket) return false;
    const res = await request(this.socket, "conversations");
    if (!res.ok) return false;
    for (const { user, last, unread, online } of res.conversations) {
      const known = this.channels.get(dmChannelId(user.userId));
      // Whether they have an account is as the server says now.
      if (known?.peer) known.peer = { ...known.peer, ...(user.account ? { account: user.account } : {}) };
      const peer = known?.peer ?? { ...user, socketId: "" };
      const channel = this.channels.open(dmChannelId(user.userId), { kind: "dm", title: user.name, peer });
      if (!channel.messages.size) {
        this.channels.add(channel, [last]);
        // Only the last message is known: the rest comes with the newest page when the conversation opens.
        channel.hasMore = true;
      }
      this.noteServerUnread(channel, unread);
      if (typeof online === "boolean") channel.online = online;
    }
    this.save();
    // Who is online, and unread counts, show at once.
    this.events.changed();
    return true;
  }

  /** Fetches what a conversation is missing after `afterId` (or its newest page); false when it could not. */
  protected async catchUp(channel: Channel, afterId: string | undefined): Promise<boolean> {
    if (!this.socket) return false;
    return this.reported(await catchUp(this.socket, this.channels, channel, afterId));
  }

  /** Edits, deletions and reactions made after `lastRev` (protocol v1.1 `changedAfter`); false when it could not. */
  protected async catchUpChanges(channel: Channel, lastRev: string): Promise<boolean> {
    if (!this.socket) return false;
    return this.reported(await catchUpChanges(this.socket, this.channels, channel, lastRev));
  }

  /** True when there was no error; otherwise tells the page and returns false. */
  private reported(error: AckError | undefined): boolean {
    if (error) this.events.failed(error);
    return !error;
  }
}
