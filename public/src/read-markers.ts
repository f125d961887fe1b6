/**
 * Read markers (protocol v1.1 `read`): telling the server how far this
 * person has read a conversation, so that unread counts follow them across
 * reloads and tabs, and taking in what their other tabs read.
 */
import type { ReadNotice } from "../../server/protocol";
import { Channels, lastId, sameChannel, type Channel } from "./channels";
import { request, type ChatSocket } from "./connection";

/** How often markers are sent at most: reading a busy room would otherwise send one per message. */
const THROTTLE_MS = 1000;

export class ReadMarkers {
  /** Markers waiting to be sent, by channel id: how far was read when it was seen, not what arrived after. */
  private readonly pending = new Map<string, { channel: Channel; upTo: string }>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly channels: Channels,
    private readonly socket: () => ChatSocket | undefined,
    private readonly me: () => string,
  ) {
    // A tab closed (or a page left) within the throttle still says how far it was read.
    addEventListener("pagehide", () => {
      clearTimeout(this.timer);
      this.flush();
    });
  }

  /** `channel` was read to its newest message: clear its badges and tell the server (throttled). */
  mark(channel: Channel): void {
    channel.unread = 0;
    channel.mentions = 0;
    const upTo = lastId(channel);
    if (!upTo || (channel.readUpTo && channel.readUpTo >= upTo)) return;
    this.pending.set(channel.id, { channel, upTo });
    this.timer ??= setTimeout(() => this.flush(), THROTTLE_MS);
  }

  private flush(): void {
    this.timer = undefined;
    const socket = this.socket();
    // Offline, they wait for the next flush (the next time something is read, or the tab is closed).
    if (!socket?.connected) return;
    for (const { channel, upTo } of this.pending.values()) {
      if (channel.readUpTo && channel.readUpTo >= upTo) continue;
      channel.readUpTo = upTo;
      void request(socket, "read", { ...Channels.base(channel), upTo });
    }
    this.pending.clear();
  }

  /**
   * Another tab of this person read up to `notice.upTo`: what is left unread
   * here is what came after it. True when a channel held here changed.
   */
  readElsewhere(notice: ReadNotice): boolean {
    const channel = this.channels.list().find((c) => sameChannel(Channels.base(c), notice));
    if (!channel) return false;
    const upTo = channel.readUpTo && channel.readUpTo > notice.upTo ? channel.readUpTo : notice.upTo;
    channel.readUpTo = upTo;
    const after = [...channel.messages.values()].filter((m) => m.id > upTo && m.from.userId !== this.me());
    channel.unread = after.length;
    channel.mentions = after.filter((m) => m.mentions?.includes(this.me())).length;
    return true;
  }
}
