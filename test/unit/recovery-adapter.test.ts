import { Server } from "socket.io";
import type { Adapter } from "socket.io-adapter";
import { describe, expect, it } from "vitest";
import { recoveryAdapter } from "../../server/socketio/recovery-adapter.js";
import { EVENT_PACKET } from "../../server/socketio/publish.js";

/** The adapter of a Server with no HTTP server: nothing is sent anywhere, only kept. */
function adapterWith(maxPackets: number): Adapter {
  const io = new Server({ adapter: recoveryAdapter({ maxDisconnectionDuration: 60_000, maxPackets }) });
  return io.of("/").adapter;
}

/** Sends an event to `rooms` through the adapter; returns the offset it was given. */
function send(adapter: Adapter, rooms: string[], text: string): string {
  const packet = { type: EVENT_PACKET, nsp: "/", data: ["message", text] as unknown[] };
  adapter.broadcast(packet, { rooms: new Set(rooms), except: new Set() });
  return packet.data.at(-1) as string;
}

async function restore(adapter: Adapter, rooms: string[], offset: string) {
  adapter.persistSession({ sid: "s1", pid: "p1", rooms, data: {} });
  return (await adapter.restoreSession("p1", offset)) as { missedPackets: unknown[][] } | null;
}

const texts = (session: { missedPackets: unknown[][] } | null) => session?.missedPackets.map((p) => p[1]);

describe("bounded recovery adapter", () => {
  it("when a session is restored from an offset, then exactly the later packets that reach its rooms are replayed", async () => {
    const adapter = adapterWith(100);
    const offset = send(adapter, ["room:a"], "seen");
    send(adapter, ["room:a"], "missed 1");
    send(adapter, ["room:b"], "elsewhere");
    send(adapter, [], "to everyone");
    expect(texts(await restore(adapter, ["room:a"], offset))).toEqual(["missed 1", "to everyone"]);
  });

  it("when an event goes to one socket alone, then it is not kept, and its offset replays from the newest kept packet", async () => {
    const adapter = adapterWith(100);
    adapter.addAll("s1", new Set(["s1", "room:a"]));
    send(adapter, ["room:a"], "before");
    const own = send(adapter, ["s1"], "session");
    send(adapter, ["room:a"], "after");
    expect(texts(await restore(adapter, ["s1", "room:a"], own))).toEqual(["after"]);
  });

  it("when a socket's own event comes before anything was kept, then its offset still recovers it", async () => {
    const adapter = adapterWith(100);
    adapter.addAll("s1", new Set(["s1"]));
    const own = send(adapter, ["s1"], "session");
    expect(texts(await restore(adapter, ["s1", "room:a"], own))).toEqual([]);
    send(adapter, ["room:a"], "first");
    expect(texts(await restore(adapter, ["s1", "room:a"], own))).toEqual(["first"]);
  });

  it("when packets after the offset were dropped for the cap, then the session is not restored", async () => {
    const adapter = adapterWith(5);
    const offset = send(adapter, ["room:a"], "seen");
    for (let i = 0; i < 20; i++) send(adapter, ["room:a"], `missed ${i}`);
    expect(await restore(adapter, ["room:a"], offset)).toBeNull();
  });

  it("when exactly the packets after an offset are still held, then it is restored; one more dropped, and it is not", async () => {
    const adapter = adapterWith(5);
    // With a cap of 5 the buffer is trimmed back to 5 once it holds 7: the first two go.
    const offsets = Array.from({ length: 7 }, (_, i) => send(adapter, ["room:a"], `m${i + 1}`));
    expect(texts(await restore(adapter, ["room:a"], offsets[1]!))).toEqual(["m3", "m4", "m5", "m6", "m7"]);
    expect(await restore(adapter, ["room:a"], offsets[0]!)).toBeNull();
  });

  it("when the cap is 0, then no session is restored, even one that missed nothing", async () => {
    const adapter = adapterWith(0);
    adapter.addAll("s1", new Set(["s1"]));
    const own = send(adapter, ["s1"], "session");
    expect(await restore(adapter, ["s1"], own)).toBeNull();
    const offset = send(adapter, ["room:a"], "seen");
    expect(await restore(adapter, ["room:a"], offset)).toBeNull();
  });

  it("when a client presents an offset this adapter never handed out, then the session is not restored", async () => {
    const adapter = adapterWith(100);
    const offset = send(adapter, ["room:a"], "seen");
    const prefix = offset.slice(0, offset.lastIndexOf("-") + 1);
    for (const forged of ["", "1", "zzzz", "__proto__", `${prefix}`, `${prefix}-1`, `${prefix}1.5`, `${prefix}2`, `${prefix}${"z".repeat(40)}`, `x${offset}`]) {
      expect(await restore(adapter, ["room:a"], forged), forged).toBeNull();
    }
  });
});
