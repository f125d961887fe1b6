/**
 * Who is in which room and who is online, cluster-wide, held in memory on
 * every node (protocol v1.2 "People, not sockets").
 *
 * This node's own sockets are read from the adapter's room table, through
 * its `join-room` / `leave-room` events, so nothing is kept per socket for
 * them: a person's sockets are the `user:<id>` room, a chat room's sockets
 * the `room:<name>` room. Other nodes' sockets arrive as deltas over the
 * cluster adapter (`serverSideEmit`, in order on the Redis stream), batched
 * per event-loop turn and numbered per node. Every node sends a heartbeat
 * with its latest number each HEARTBEAT_MS: a node that hears of a gap (or of
 * a node it does not know) asks that node for a snapshot of its sockets and
 * applies the difference, so lost deltas (Redis down for a while) heal
 * without a storm of false joins and leaves. A node silent for
 * NODE_TIMEOUT_MS (killed, or Redis down) is dropped with a warning: its
 * people leave the counts and this node answers for what it can still see.
 *
 * On that view `join`, `members`, `rooms` and `conversations` answer without
 * asking other nodes, and each node tells its own sockets what changed:
 * `presence` per room, merged over PRESENCE_WINDOW_MS, and `person` (through
 * `onPerson`) when someone's first socket connects or last one leaves.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "../logger.js";
import type { Person, PresenceNotice, User } from "../protocol.js";
import {
  isRoomKey,
  roomKey,
  roomOfKey,
  userKey,
  type ChatServer,
  type ChatSocket,
  type MembershipMessage,
  type MembershipOp as Op,
  type SnapshotSocket,
} from "./types.js";

/** Presence changes of a room are merged over this window; a socket gets at most one `presence` per room in it. */
export const PRESENCE_WINDOW_MS = 500;
/** Above this many people a room's `presence` carries only `count`; `join` and `members` list at most this many. */
export const PEOPLE_LISTED = 100;
/** How often a node tells the others it is alive, and which delta it sent last. */
export const HEARTBEAT_MS = 1000;
/** A node not heard from for this long is taken for gone: its people leave the counts. */
export const NODE_TIMEOUT_MS = 3500;
/** A snapshot is asked of one node at most this often. */
const SNAPSHOT_RETRY_MS = 2000;


type RemoteSocket = { id: string; userId: string; name: string; account: string | undefined; rooms: Set<string> };
type RemoteNode = { seq: number; heard: number; sockets: Map<string, RemoteSocket> };
/** The people of a room, cluster-wide: each one's number of sockets in it, and their ids in code-unit order. */
type RoomPeople = { sockets: Map<string, number>; sorted: string[] };
type PendingPresence = { joined: Set<string>; left: Map<string, string> };

export type MembershipDeps = {
  io: ChatServer;
  logger: Logger;
  /** Whether other nodes share this one's adapter (Redis). */
  clustered: boolean;
  /** Someone's first socket connected or their last one went away, anywhere in the cluster; `isOnline` tells which. */
  onPerson: (userId: string, name: string | undefined) => void;
};

export class Membership {
  readonly nodeId = randomBytes(8).toString("hex");
  private readonly rooms = new Map<string, RoomPeople>();
  private readonly nodes = new Map<string, RemoteNode>();
  /** Other nodes' sockets by person. */
  private readonly remoteUsers = new Map<string, Map<string, RemoteSocket>>();
  private readonly pending = new Map<string, PendingPresence>();
  private readonly asked = new Map<string, number>();
  private outbox: (["j", string, string, string] | ["l", string, string])[] = [];
  private seq = 0;
  private snapshotDue = false;
  /** Said goodbye: nothing more is sent. */
  private closed = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: MembershipDeps) {
    const adapter = deps.io.of("/").adapter;
    adapter.on("join-room", (key: string, id: string) => this.localJoined(key, id));
    adapter.on("leave-room", (key: string, id: string) => this.localLeft(key, id));
    if (deps.clustered) {
      deps.io.on("membership", (message: MembershipMessage) => this.received(message));
      this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
      this.timer.unref();
    }
  }

  /**
   * Stops the heartbeats and says goodbye, once the server has closed its
   * sockets: their departures go first, then the other nodes stop counting
   * this one at once instead of after NODE_TIMEOUT_MS.
   */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (!this.deps.clustered) return;
    if (this.outbox.length > 0) this.publish();
    this.emit({ t: "b", node: this.nodeId });
  }

  // ---- reading the view ----

  /** How many distinct people are in a room, cluster-wide. */
  count(room: string): number {
    return this.rooms.get(room)?.sockets.size ?? 0;
  }

  /** The nodes whose people this node counts, itself included. */
  nodeCount(): number {
    return 1 + this.nodes.size;
  }

  /** Whether someone has any socket connected, cluster-wide. */
  isOnline(userId: string): boolean {
    return this.localSockets(userId).size > 0 || (this.remoteUsers.get(userId)?.size ?? 0) > 0;
  }

  /** The people of a room strictly after `after` (by userId, code-unit order), at most `limit`. */
  people(room: string, after: string | undefined, limit: number): { people: Person[]; count: number; hasMore: boolean } {
    const sorted = this.rooms.get(room)?.sorted ?? [];
    const start = after === undefined ? 0 : upperBound(sorted, after);
    const ids = sorted.slice(start, start + limit);
    return { people: ids.map((id) => this.person(room, id)), count: sorted.length, hasMore: start + limit < sorted.length };
  }

  /** What `join` answers: the first people, their sockets as v1 members (at most PEOPLE_LISTED), and the count. */
  joinView(room: string): { members: User[]; people: Person[]; count: number } {
    const { people, count } = this.people(room, undefined, PEOPLE_LISTED);
    const members = people
      .flatMap((p) => p.sockets.map((socketId): User => (p.account === undefined ? { userId: p.userId, name: p.name, socketId } : { userId: p.userId, name: p.name, account: p.account, socketId })))
      .slice(0, PEOPLE_LISTED);
    return { members, people, count };
  }

  /** A person as seen in a room: their name and their sockets in it, this node's first. */
  private person(room: string, userId: string): Person {
    const { sockets: nsp } = this.deps.io.of("/");
    const inRoom = this.adapterRooms().get(roomKey(room));
    const sockets: string[] = [];
    let name: string | undefined;
    // Signed in on any of their sockets: a tab opened as the guest before signing up may still be there.
    let account: string | undefined;
    for (const id of this.localSockets(userId)) {
      if (!inRoom?.has(id)) continue;
      sockets.push(id);
      const data = nsp.get(id)?.data;
      name ??= data?.name;
      account ??= data?.account;
    }
    for (const s of this.remoteUsers.get(userId)?.values() ?? []) {
      if (!s.rooms.has(room)) continue;
      sockets.push(s.id);
      name ??= s.name;
      account ??= s.account;
    }
    return account === undefined ? { userId, name: name ?? "", sockets } : { userId, name: name ?? "", account, sockets };
  }

  /** Someone's name as one of their sockets carries it, if they are online. */
  nameOf(userId: string): string | undefined {
    const { sockets: nsp } = this.deps.io.of("/");
    for (const id of this.localSockets(userId)) {
      const name = nsp.get(id)?.data.name;
      if (name !== undefined) return name;
    }
    return this.remoteUsers.get(userId)?.values().next().value?.name;
  }

  private adapterRooms(): Map<string, Set<string>> {
    return this.deps.io.of("/").adapter.rooms;
  }

  private localSockets(userId: string): Set<string> {
    return this.adapterRooms().get(userKey(userId)) ?? EMPTY;
  }

  // ---- this node's sockets ----

  /**
   * A socket whose session was recovered: the adapter gave its rooms back
   * before the socket was registered, so they are counted now.
   */
  restored(socket: ChatSocket): void {
    for (const key of socket.rooms) if (isRoomKey(key)) this.localJoined(key, socket.id);
  }

  private localJoined(key: string, id: string): void {
    if (key.startsWith("user:")) {
      const userId = key.slice("user:".length);
      const name = this.deps.io.of("/").sockets.get(id)?.data.name;
      // The first socket on this node; the person is new to the cluster unless another node has them.
      if (this.localSockets(userId).size === 1 && !this.remoteUsers.has(userId)) this.deps.onPerson(userId, name);
      this.send(["j", id, userId, ""]);
      return;
    }
    if (!isRoomKey(key)) return;
    // Unknown while a recovered socket is being built: see `restored`.
    const socket = this.deps.io.of("/").sockets.get(id);
    if (!socket) return;
    this.enter(roomOfKey(key), socket.data.userId);
    this.send(["j", id, socket.data.userId, roomOfKey(key)]);
  }

  private localLeft(key: string, id: string): void {
    if (key.startsWith("user:")) {
      const userId = key.slice("user:".length);
      const name = this.deps.io.of("/").sockets.get(id)?.data.name;
      if (this.localSockets(userId).size === 0 && !this.remoteUsers.has(userId)) this.deps.onPerson(userId, name);
      this.send(["l", id, ""]);
      return;
    }
    if (!isRoomKey(key)) return;
    const socket = this.deps.io.of("/").sockets.get(id);
    if (!socket) return;
    this.exit(roomOfKey(key), socket.data.userId, socket.data.name);
    this.send(["l", id, roomOfKey(key)]);
  }

  // ---- counting people in rooms, and presence ----

  private enter(room: string, userId: string): void {
    let people = this.rooms.get(room);
    if (!people) this.rooms.set(room, (people = { sockets: new Map(), sorted: [] }));
    const n = people.sockets.get(userId) ?? 0;
    people.sockets.set(userId, n + 1);
    if (n > 0) return; // another socket of someone already there changes nothing
    people.sorted.splice(upperBound(people.sorted, userId), 0, userId);
    const pending = this.pendingOf(room);
    if (!pending.left.delete(userId)) pending.joined.add(userId);
  }

  private exit(room: string, userId: string, name: string): void {
    const people = this.rooms.get(room);
    const n = people?.sockets.get(userId);
    if (!people || n === undefined) return;
    if (n > 1) {
      people.sockets.set(userId, n - 1);
      return;
    }
    people.sockets.delete(userId);
    people.sorted.splice(upperBound(people.sorted, userId) - 1, 1);
    if (people.sockets.size === 0) this.rooms.delete(room);
    const pending = this.pendingOf(room);
    if (!pending.joined.delete(userId)) pending.left.set(userId, name);
  }

  /** The changes of a room waiting for its window to end; the window starts with its first change. */
  private pendingOf(room: string): PendingPresence {
    let pending = this.pending.get(room);
    if (!pending) {
      this.pending.set(room, (pending = { joined: new Set(), left: new Map() }));
      setTimeout(() => this.flush(room), PRESENCE_WINDOW_MS).unref();
    }
    return pending;
  }

  /** Tells this node's sockets in the room what changed in the window, if anything did. */
  private flush(room: string): void {
    const pending = this.pending.get(room);
    this.pending.delete(room);
    if (!pending || (pending.joined.size === 0 && pending.left.size === 0)) return;
    if (!this.adapterRooms().has(roomKey(room))) return; // no one here to tell
    const count = this.count(room);
    const notice: PresenceNotice = { room, count };
    if (count <= PEOPLE_LISTED) {
      if (pending.joined.size > 0) notice.joined = [...pending.joined].sort().map((id) => this.person(room, id));
      if (pending.left.size > 0) notice.left = [...pending.left].map(([userId, name]) => ({ userId, name }));
    }
    // Each node tells its own sockets: every node sees every change, so none is told twice.
    // The event map still types `presence` with the v1 shape, for the page (see ServerToClientEvents).
    this.deps.io.local.to(roomKey(room)).emit("presence", notice);
  }

  // ---- other nodes ----

  /** Queues a change of this node's sockets for the other nodes (sent once per event-loop turn). */
  private send(op: ["j", string, string, string] | ["l", string, string]): void {
    if (!this.deps.clustered) return;
    if (this.outbox.length === 0) setImmediate(() => this.publish());
    this.outbox.push(op);
  }

  private publish(): void {
    if (this.outbox.length === 0) return; // sent early by close()
    const { sockets: nsp } = this.deps.io.of("/");
    // Names are read now: a recovered socket is registered only after its rooms came back.
    const ops: Op[] = this.outbox.map((op): Op => {
      if (op[0] !== "j") return op;
      const data = nsp.get(op[1])?.data;
      return data?.account === undefined ? ["j", op[1], op[2], data?.name ?? "", op[3]] : ["j", op[1], op[2], data.name, op[3], data.account];
    });
    this.outbox = [];
    this.emit({ t: "d", node: this.nodeId, seq: ++this.seq, ops });
  }

  private emit(message: MembershipMessage): void {
    // Without Redis the adapter drops it; the other nodes notice the gap and ask for a snapshot later.
    this.deps.io.serverSideEmit("membership", message);
  }

  private beat(): void {
    this.emit({ t: "h", node: this.nodeId, seq: this.seq });
    const now = Date.now();
    for (const [id, node] of this.nodes) {
      if (now - node.heard <= NODE_TIMEOUT_MS) continue;
      this.deps.logger.warn(
        { node: id, sockets: node.sockets.size },
        "a cluster node went silent; its people no longer count (Redis down, or the node stopped)",
      );
      this.dropNode(id, node);
    }
  }

  private received(message: MembershipMessage): void {
    if (message.node === this.nodeId) return;
    if (message.t === "b") {
      const gone = this.nodes.get(message.node);
      if (gone) this.dropNode(message.node, gone);
      return;
    }
    let node = this.nodes.get(message.node);
    const known = node !== undefined;
    if (!node) this.nodes.set(message.node, (node = { seq: 0, heard: 0, sockets: new Map() }));
    node.heard = Date.now();
    switch (message.t) {
      case "d":
        if (message.seq <= node.seq) return; // a snapshot already covered it
        // After a gap the number stays where it was, so that heartbeats keep asking for a snapshot until one arrives.
        if (!known || message.seq > node.seq + 1) this.askSnapshot(message.node);
        else node.seq = message.seq;
        for (const op of message.ops) {
          if (op[0] === "j") this.remoteJoined(node, op[1], op[2], op[3], op[4], op[5]);
          else this.remoteLeft(node, op[1], op[2]);
        }
        return;
      case "h":
        if (!known || message.seq > node.seq) this.askSnapshot(message.node);
        return;
      case "r":
        if (message.of === this.nodeId || message.of === "*") this.sendSnapshot();
        return;
      case "s":
        if (message.seq >= node.seq) this.applySnapshot(node, message);
        return;
    }
  }

  private askSnapshot(of: string): void {
    const now = Date.now();
    if (now - (this.asked.get(of) ?? 0) < SNAPSHOT_RETRY_MS) return;
    this.asked.set(of, now);
    this.emit({ t: "r", node: this.nodeId, of });
  }

  /** Sends every socket of this node, once for all the requests of one moment. */
  private sendSnapshot(): void {
    if (this.snapshotDue) return;
    this.snapshotDue = true;
    setTimeout(() => {
      this.snapshotDue = false;
      if (this.closed) return; // said goodbye meanwhile
      // Deltas queued before the snapshot go first, so that the numbers stay in order.
      if (this.outbox.length > 0) this.publish();
      const sockets: SnapshotSocket[] = [];
      for (const socket of this.deps.io.of("/").sockets.values()) {
        const rooms = [...socket.rooms].filter(isRoomKey).map(roomOfKey);
        const { userId, name, account } = socket.data;
        sockets.push(account === undefined ? [socket.id, userId, name, rooms] : [socket.id, userId, name, rooms, account]);
      }
      this.emit({ t: "s", node: this.nodeId, seq: this.seq, sockets });
    }, 20).unref();
  }

  /** Makes a node's sockets what its snapshot says, by their differences only (no false leaves and joins). */
  private applySnapshot(node: RemoteNode, snapshot: Extract<MembershipMessage, { t: "s" }>): void {
    const incoming = new Map(snapshot.sockets.map((s) => [s[0], s]));
    for (const id of [...node.sockets.keys()]) if (!incoming.has(id)) this.remoteLeft(node, id, "");
    for (const [id, userId, name, rooms, account] of incoming.values()) {
      this.remoteJoined(node, id, userId, name, "", account);
      const socket = node.sockets.get(id)!;
      for (const room of [...socket.rooms]) if (!rooms.includes(room)) this.remoteLeft(node, id, room);
      for (const room of rooms) this.remoteJoined(node, id, userId, name, room, account);
    }
    node.seq = snapshot.seq;
  }

  private remoteJoined(node: RemoteNode, id: string, userId: string, name: string, room: string, account?: string): void {
    let socket = node.sockets.get(id);
    if (!socket) {
      node.sockets.set(id, (socket = { id, userId, name, account: typeof account === "string" ? account : undefined, rooms: new Set() }));
      const wasOnline = this.isOnline(userId);
      let sockets = this.remoteUsers.get(userId);
      if (!sockets) this.remoteUsers.set(userId, (sockets = new Map()));
      sockets.set(id, socket);
      if (!wasOnline) this.deps.onPerson(userId, name);
    }
    if (room === "" || socket.rooms.has(room)) return;
    socket.rooms.add(room);
    this.enter(room, userId);
  }

  private remoteLeft(node: RemoteNode, id: string, room: string): void {
    const socket = node.sockets.get(id);
    if (!socket) return;
    if (room !== "") {
      if (socket.rooms.delete(room)) this.exit(room, socket.userId, socket.name);
      return;
    }
    for (const r of socket.rooms) this.exit(r, socket.userId, socket.name);
    node.sockets.delete(id);
    const sockets = this.remoteUsers.get(socket.userId);
    // A recovered session keeps its socket id on another node: only this node's entry goes.
    if (sockets?.get(id) === socket) sockets.delete(id);
    if (sockets?.size === 0) this.remoteUsers.delete(socket.userId);
    if (!this.isOnline(socket.userId)) this.deps.onPerson(socket.userId, socket.name);
  }

  private dropNode(id: string, node: RemoteNode): void {
    for (const socketId of [...node.sockets.keys()]) this.remoteLeft(node, socketId, "");
    this.nodes.delete(id);
    this.asked.delete(id);
  }
}

const EMPTY: Set<string> = new Set();

/** The index of the first element of a sorted array greater than `value` (code-unit order). */
function upperBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
