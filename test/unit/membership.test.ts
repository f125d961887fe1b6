/**
 * The cluster-wide view of who is where (membership.ts), driven by the
 * messages other nodes send it, on a stand-in for the Socket.IO server: lost
 * deltas heal through snapshots, a recovered session that moved to another
 * node stays online, and nothing is sent after goodbye.
 */
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Membership } from "../../server/socketio/membership.js";
import type { ChatServer, MembershipMessage } from "../../server/socketio/types.js";
import type { Logger } from "../../server/logger.js";

/** Just what Membership uses of the server: the adapter's events, this node's sockets, inter-node messages. */
function standIn() {
  const adapter = Object.assign(new EventEmitter(), { rooms: new Map<string, Set<string>>() });
  const sent: MembershipMessage[] = [];
  let deliver: (message: MembershipMessage) => void = () => {};
  const io = {
    of: () => ({ adapter, sockets: new Map() }),
    on: (event: string, handler: (message: MembershipMessage) => void) => {
      if (event === "membership") deliver = handler;
    },
    serverSideEmit: (_event: string, message: MembershipMessage) => void sent.push(message),
    local: { to: () => ({ emit: () => {} }) },
  };
  const logger = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as unknown as Logger;
  const membership = new Membership({ io: io as unknown as ChatServer, logger, clustered: true, onPerson: () => {} });
  return { membership, sent, receive: (message: MembershipMessage) => deliver(message) };
}

describe("the cluster-wide view of people", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-06T10:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("when a delta is lost and the snapshot asked for does not come, then the next heartbeats keep asking until one does", () => {
    const { membership, sent, receive } = standIn();
    receive({ t: "s", node: "B", seq: 1, sockets: [["x1", "u1", "Ann", ["study"]]] });
    expect(membership.count("study")).toBe(1);

    // Delta 2 (Ann leaving) never arrives; delta 3 shows the gap.
    receive({ t: "d", node: "B", seq: 3, ops: [["j", "x2", "u2", "Ben", "chat"]] });
    const asked = () => sent.filter((m) => m.t === "r" && m.of === "B").length;
    expect(asked()).toBe(1);

    // That request went unanswered. Two seconds on, a heartbeat still shows the gap and asks again.
    vi.advanceTimersByTime(2100);
    receive({ t: "h", node: "B", seq: 3 });
    expect(asked()).toBe(2);

    // The snapshot heals the view: Ann is gone, Ben is there, and heartbeats stop asking.
    receive({ t: "s", node: "B", seq: 3, sockets: [["x2", "u2", "Ben", ["chat"]]] });
    expect(membership.count("study")).toBe(0);
    expect(membership.count("chat")).toBe(1);
    expect(membership.isOnline("u1")).toBe(false);
    vi.advanceTimersByTime(2100);
    receive({ t: "h", node: "B", seq: 3 });
    expect(asked()).toBe(2);
    membership.close();
  });

  it("when a recovered session keeps its socket id on another node, then the old node's leave does not take the person offline", () => {
    const { membership, receive } = standIn();
    receive({ t: "s", node: "A", seq: 1, sockets: [["x1", "u1", "Ann", ["study"]]] });
    // Node A shut down; the connection recovered on node D with the same socket id, heard of before A's leave.
    receive({ t: "s", node: "D", seq: 1, sockets: [["x1", "u1", "Ann", ["study"]]] });
    receive({ t: "d", node: "A", seq: 2, ops: [["l", "x1", ""]] });
    expect(membership.isOnline("u1")).toBe(true);
    expect(membership.count("study")).toBe(1);
    receive({ t: "d", node: "D", seq: 2, ops: [["l", "x1", ""]] });
    expect(membership.isOnline("u1")).toBe(false);
    membership.close();
  });

  it("when a snapshot is asked for just before shutting down, then nothing is sent after the goodbye", () => {
    const { membership, sent, receive } = standIn();
    receive({ t: "r", node: "B", of: "*" });
    membership.close();
    vi.advanceTimersByTime(100);
    const goodbye = sent.findIndex((m) => m.t === "b");
    expect(goodbye).toBeGreaterThanOrEqual(0);
    expect(sent.slice(goodbye + 1)).toEqual([]);
    expect(sent.some((m) => m.t === "s")).toBe(false);
  });
});
