import { describe, expect, it } from "vitest";
import { eventRouter } from "../../server/socketio/router.js";
import type { ChatSocket, SharedListener } from "../../server/socketio/types.js";

const tick = () => new Promise((resolve) => process.nextTick(resolve));

describe("eventRouter", () => {
  it("when an event arrives, then its handler gets the socket and the arguments on the next tick", async () => {
    const calls: unknown[][] = [];
    const join: SharedListener = function (...args) {
      calls.push([this, ...args]);
    };
    const stats = { unknownEvents: 0, missingAck: 0 };
    const socket = { connected: true } as ChatSocket;
    eventRouter({ join }, stats).call(socket, "join", "lobby", "ack");
    expect(calls).toEqual([]);
    await tick();
    expect(calls).toEqual([[socket, "lobby", "ack"]]);
    expect(stats.unknownEvents).toBe(0);
  });

  it("when the socket disconnects before the next tick, then the handler does not run", async () => {
    let ran = false;
    const socket = { connected: true } as ChatSocket;
    eventRouter({ join: () => (ran = true) }, { unknownEvents: 0, missingAck: 0 }).call(socket, "join", "lobby");
    socket.connected = false;
    await tick();
    expect(ran).toBe(false);
  });

  it("when an event is not in the protocol, then it is counted and nothing runs", async () => {
    const stats = { unknownEvents: 0, missingAck: 0 };
    const route = eventRouter({}, stats);
    const socket = { connected: true } as ChatSocket;
    route.call(socket, "no such event", 1);
    route.call(socket, 42);
    route.call(socket, "__proto__");
    await tick();
    expect(stats.unknownEvents).toBe(3);
  });
});
