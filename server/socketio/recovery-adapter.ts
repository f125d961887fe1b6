/**
 * Connection-state recovery on one node, with a bounded replay buffer.
 *
 * Socket.IO's own in-memory recovery adapter keeps every broadcast packet for
 * the whole recovery window (2 minutes here): at 2,000 messages a second that
 * is 240,000 packets, a few hundred MB of heap, and a linear search through
 * them for every reconnecting client. This one keeps at most `maxPackets`
 * (and none older than the window), and numbers them, so a client's offset
 * says where its replay starts.
 *
 * Dropping old packets is safe: a client whose offset is no longer held is
 * not recovered, so it starts a new session and catches up through `join` and
 * `history { after }` like after a server restart (see "Delivery guarantees"
 * in the README). Recovery replays everything after the offset or nothing.
 *
 * With Redis, the streams adapter does this job (its stream is capped too).
 */
import { Adapter, type BroadcastOptions, type PrivateSessionId, type Room, type Session, type SocketId } from "socket.io-adapter";
import { EVENT_PACKET } from "./publish.js";

/** What Socket.IO hands to `persistSession` when a socket drops. */
type SessionToPersist = { sid: SocketId; pid: PrivateSessionId; rooms: Room[]; data: unknown };
type StoredSession = SessionToPersist & { disconnectedAt: number };
type StoredPacket = { seq: number; rooms: Set<Room>; except: Set<Room>; data: unknown[]; emittedAt: number };
/** The part of a Socket.IO packet this adapter reads and extends. */
type Packet = { type: number; id?: number; data: unknown[] };

export type RecoveryOptions = {
  /** How long a dropped socket's session and the packets it may miss are kept, ms. */
  maxDisconnectionDuration: number;
  /** The most packets kept for replay; the oldest go first. */
  maxPackets: number;
  now?: () => number;
};

/**
 * @example
 * new Server(httpServer, {
 *   connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true },
 *   adapter: recoveryAdapter({ maxDisconnectionDuration: 120_000, maxPackets: 10_000 }),
 * });
 */
export function recoveryAdapter(options: RecoveryOptions) {
  const now = options.now ?? Date.now;
  return class BoundedRecoveryAdapter extends Adapter {
    private readonly sessions = new Map<PrivateSessionId, StoredSession>();
    /** Oldest first; `packets[i].seq === packets[0].seq + i`. */
    private packets: StoredPacket[] = [];
    /** The next stored packet's number; 0 is "before anything was stored". */
    private nextSeq = 1;
    /** Offsets are unique per adapter instance; a restarted server knows no old session anyway. */
    private readonly prefix = `${Date.now().toString(36)}-`;

    override persistSession(session: SessionToPersist): void {
      // With a cap of 0 nothing is ever restored, so nothing is kept for it either.
      if (options.maxPackets === 0) return;
      this.forgetExpired();
      this.sessions.set(session.pid, { ...session, disconnectedAt: now() });
    }

    override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
      this.forgetExpired();
      const session = this.sessions.get(pid);
      const seq = this.seqOf(offset);
      const first = this.packets[0]?.seq ?? this.nextSeq;
      // Recovered only when every packet after the offset is still held (with a cap of 0 no session is kept).
      // Socket.IO's typing says Promise<Session>; it treats a null result as "not recovered".
      if (!session || seq === undefined || seq + 1 < first) return Promise.resolve(null as unknown as Session);
      this.sessions.delete(pid);
      const missedPackets: unknown[][] = [];
      for (let i = Math.max(0, seq + 1 - first); i < this.packets.length; i++) {
        const packet = this.packets[i]!;
        if (reaches(packet, session.rooms)) missedPackets.push(packet.data);
      }
      const { sid, pid: privateId, rooms, data } = session;
      return Promise.resolve({ sid, pid: privateId, rooms, data, missedPackets });
    }

    override broadcast(packet: Packet, opts: BroadcastOptions): void {
      // As Socket.IO's own: only events without an ack and not volatile are offered for replay.
      if (packet.type === EVENT_PACKET && packet.id === undefined && opts.flags?.volatile === undefined) {
        // The offset travels last in the event's arguments; the client sends the last one it saw when it reconnects.
        if (this.toOneSocket(opts)) {
          packet.data.push(this.offsetOf(this.nextSeq - 1));
        } else {
          const seq = this.nextSeq++;
          packet.data.push(this.offsetOf(seq));
          this.packets.push({ seq, rooms: opts.rooms, except: opts.except ?? new Set(), data: packet.data, emittedAt: now() });
          this.forgetOldPackets();
        }
      }
      super.broadcast(packet, opts);
    }

    /**
     * Whether a packet goes to one socket alone, by its id: that is how
     * Socket.IO routes `socket.emit` when recovery is on. Such a packet is not
     * kept. The server's only one is `session`, which it sends afresh on every
     * connection, recovered or not, so a kept copy would only come back as a
     * stale duplicate, and would cost every new socket about 1 KB for the whole
     * window. It carries the offset of the newest kept packet instead: a quiet
     * client that saw nothing else can still be recovered from there.
     *
     * So an event a client must get after a drop is never sent with
     * `socket.emit`: send it to a room (`io.to(userKey(...))`), as messages are.
     */
    private toOneSocket(opts: BroadcastOptions): boolean {
      if (opts.rooms.size !== 1) return false;
      const [room] = opts.rooms;
      return this.sids.has(room as SocketId);
    }

    private offsetOf(seq: number): string {
      return this.prefix + seq.toString(36);
    }

    /** The packet number an offset names, when this adapter handed it out; the offset comes from a client. */
    private seqOf(offset: string): number | undefined {
      if (!offset.startsWith(this.prefix)) return undefined;
      const digits = offset.slice(this.prefix.length);
      if (!/^[0-9a-z]{1,10}$/.test(digits)) return undefined;
      const seq = parseInt(digits, 36);
      return seq < this.nextSeq ? seq : undefined;
    }

    /**
     * Drops packets past the cap or older than the window. It trims a chunk at a
     * time (a tenth of the cap), so the array is not copied on every message.
     */
    private forgetOldPackets(): void {
      const chunk = Math.ceil(options.maxPackets / 10);
      const threshold = now() - options.maxDisconnectionDuration;
      const overCap = this.packets.length > options.maxPackets + chunk;
      const chunkExpired = (this.packets[Math.min(chunk, this.packets.length) - 1]?.emittedAt ?? Infinity) < threshold;
      if (!overCap && !chunkExpired) return;
      let drop = Math.max(0, this.packets.length - options.maxPackets);
      while (drop < this.packets.length && this.packets[drop]!.emittedAt < threshold) drop++;
      this.packets = this.packets.slice(drop);
    }

    private forgetExpired(): void {
      const threshold = now() - options.maxDisconnectionDuration;
      for (const [pid, session] of this.sessions) if (session.disconnectedAt < threshold) this.sessions.delete(pid);
    }
  };
}

/** Whether a packet sent to `packet.rooms` (all sockets when empty), minus `except`, reached a socket in `rooms`. */
function reaches(packet: StoredPacket, rooms: Room[]): boolean {
  const included = packet.rooms.size === 0 || rooms.some((room) => packet.rooms.has(room));
  return included && rooms.every((room) => !packet.except.has(room));
}
