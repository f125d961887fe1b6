/**
 * Property-based fuzzing of the socket protocol with fast-check: a large
 * number of calls that are invalid by construction (see
 * test/helpers/fuzz-payloads.ts), sent over real sockets to a real server.
 * Every one must be refused with exactly `{ ok: false, error: { code:
 * "INVALID_INPUT", message } }`, nothing may be stored or delivered, the
 * connections stay up and the server logs no failure.
 *
 * FUZZ_RUNS (default 100000) sets the number of calls, FUZZ_SEED the seed.
 */
import fc from "fast-check";
import { io } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSchemas, ERROR_CODES, type AckError, type ChatMessage } from "../../server/protocol.js";
import { call, collectMessages, connectClient, disconnectAll, flush, ok, type Client, type TestSocket } from "../helpers/client.js";
import { memoryLogger, type LogEntry } from "../helpers/logs.js";
import { describeCall, invalidAuths, invalidCalls, type AuthCase, type FuzzCall, type FuzzContext } from "../helpers/fuzz-payloads.js";
import { startServer, type TestServer } from "../helpers/server.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const SOCKETS = 8;
const IN_FLIGHT_PER_SOCKET = 256;
const HANDSHAKE_RUNS = 300;

type Page = { messages: ChatMessage[]; hasMore: boolean };

/** Exactly `{ ok: false, error: { code, message } }` with a known code; returns the code or a description of what is wrong. */
function refusal(res: unknown): { code: string } | { wrong: string } {
  if (typeof res !== "object" || res === null || Array.isArray(res)) return { wrong: `not an object: ${JSON.stringify(res)}` };
  const keys = Object.keys(res).sort();
  const r = res as { ok?: unknown; error?: unknown };
  if (keys.join() !== "error,ok" || r.ok !== false) return { wrong: `not a refusal: ${JSON.stringify(res).slice(0, 300)}` };
  const error = r.error as AckError | null;
  if (typeof error !== "object" || error === null || Object.keys(error).sort().join() !== "code,message") {
    return { wrong: `malformed error: ${JSON.stringify(r.error)}` };
  }
  if (!(ERROR_CODES as readonly string[]).includes(error.code)) return { wrong: `unknown code: ${JSON.stringify(error)}` };
  if (typeof error.message !== "string" || error.message.length === 0) return { wrong: `empty message: ${JSON.stringify(error)}` };
  return { code: error.code };
}

/**
 * Diagnostics only: whether the server's own schemas accept a call. A call
 * the contract forbids but the schemas accept points at a schema gap; one
 * they accept that is actually valid points at the generator.
 */
function schemaVerdict(textMax: number): (c: FuzzCall) => string {
  const s = createSchemas(textMax);
  const args: Record<string, z.ZodType> = {
    join: z.tuple([s.room]),
    leave: z.tuple([s.room]),
    rooms: z.tuple([]),
    message: z.tuple([s.message]),
    broadcast: z.tuple([s.broadcast]),
    "private message": z.tuple([s.privateMessage]),
    history: z.tuple([s.history]),
    typing: z.tuple([s.typing]),
    search: z.tuple([s.search]),
    read: z.tuple([s.read]),
    conversations: z.tuple([]),
    edit: z.tuple([s.edit]),
    delete: z.tuple([s.delete]),
    react: z.tuple([s.react]),
  };
  return (c) => {
    const wire: unknown = JSON.parse(JSON.stringify(c.args));
    return args[c.event]?.safeParse(wire).success ? " [server schemas ACCEPT this call]" : " [server schemas refuse this call]";
  };
}

/** Everything the fuzzing must not change, as seen by the two people who own it. */
async function snapshot(alice: Client, bob: Client) {
  const page = (c: Client, query: object) => ok<Page & { ok: true }>(c.socket, "history", { ...query, limit: 100 });
  const rooms = await ok<{ rooms: { name: string; unread?: number }[] }>(alice.socket, "rooms");
  return {
    unread: rooms.rooms.filter((r) => r.unread !== undefined).map((r) => [r.name, r.unread]),
    conversations: [await ok(alice.socket, "conversations"), await ok(bob.socket, "conversations")],
    search: [await ok(alice.socket, "search", { q: "between" }), await ok(bob.socket, "search", { q: "second" })],
    room: await page(alice, { room: "chat" }),
    broadcast: await page(alice, { broadcast: true }),
    privateFromAlice: await page(alice, { with: bob.session.userId }),
    privateFromBob: await page(bob, { with: alice.session.userId }),
    rooms: rooms.rooms.map((r) => r.name).sort(),
  };
}

/** Sends calls from one socket keeping at most `inFlight` unanswered; resolves when `next` runs dry and all are answered. */
function pump(
  socket: TestSocket,
  next: () => FuzzCall | undefined,
  onAck: (call: FuzzCall, res: unknown) => void,
  inFlight: number,
): Promise<void> {
  const emit = socket.emit.bind(socket) as unknown as (event: string, ...args: unknown[]) => void;
  return new Promise((resolve) => {
    let active = 0;
    const launch = () => {
      while (active < inFlight) {
        const c = next();
        if (!c) break;
        active++;
        emit(c.event, ...c.args, (res: unknown) => {
          active--;
          onAck(c, res);
          launch();
        });
      }
      if (active === 0) resolve();
    };
    launch();
  });
}

describe("fuzzing the socket protocol with invalid input", () => {
  let server: TestServer;
  let logs: () => LogEntry[];
  let alice: Client;
  let bob: Client;

  /** What the generators need to know: real ids, so that only the fields they break are wrong. */
  const fuzzContext = (peer: Client, messageId: string): FuzzContext => ({
    room: "chat",
    peerSocketId: peer.socket.id!,
    peerUserId: peer.session.userId,
    messageId,
    textMax: server.config.maxTextLength,
  });

  beforeAll(async () => {
    const memory = memoryLogger();
    logs = memory.entries;
    server = await startServer({
      logger: memory.logger,
      env: { RATE_LIMIT_BURST: "10000", RATE_LIMIT_PER_SECOND: "10000", MAX_CONNECTIONS_PER_IP: "10000" },
    });
    // Some real data the fuzzing must leave alone.
    alice = await connectClient(server.url, { name: "alice" });
    bob = await connectClient(server.url, { name: "bob" });
    await ok(alice.socket, "join", "chat");
    await ok(bob.socket, "join", "chat");
    for (const text of ["first", "second <b>x</b>", "third"]) await ok(alice.socket, "message", { room: "chat", text });
    await ok(bob.socket, "message", { room: "chat", text: "reply", clientId: "bob-1" });
    await ok(alice.socket, "broadcast", { text: "hello everyone" });
    await ok(alice.socket, "private message", { to: bob.socket.id, text: "just between us" });
    await ok(bob.socket, "private message", { to: alice.socket.id, text: "sure" });
    // A read marker, so that `rooms` reports an unread count the fuzzing must not change.
    const { messages } = await ok<Page>(alice.socket, "history", { room: "chat" });
    await ok(alice.socket, "read", { room: "chat", upTo: messages[0]!.id });
  });
  afterEach(() => {
    const bad = logs().filter((e) => e.level >= 50 || /unhandled/i.test(String(e.msg)));
    expect(bad, "server logged a failure").toEqual([]);
  });
  afterAll(async () => {
    disconnectAll();
    await server?.close();
  });

  it(
    `when ${RUNS} invalid payloads hit every event, then each is refused INVALID_INPUT and nothing changes`,
    async () => {
      const before = await snapshot(alice, bob);
      expect(before.room.messages.map((m) => m.text)).toEqual(["first", "second <b>x</b>", "third", "reply"]);
      const aliceGot = collectMessages(alice.socket);
      const bobGot = collectMessages(bob.socket);
      const bobMentions: unknown[] = [];
      bob.socket.on("mention", (n) => bobMentions.push(n));
      const logsBefore = logs().length; // start-up may warn (e.g. "storage: in-memory")

      // Fuzzing sockets are in the room the payloads name, so a payload that slipped through would be stored.
      const fuzzers = await Promise.all(Array.from({ length: SOCKETS }, (_, i) => connectClient(server.url, { name: `fuzz ${i}` })));
      await Promise.all(fuzzers.map((f) => ok(f.socket, "join", "chat")));
      const fuzzerGot = fuzzers.map((f) => collectMessages(f.socket));
      const disconnects: string[] = [];
      for (const f of fuzzers) f.socket.on("disconnect", (reason) => disconnects.push(`${f.session.name}: ${reason}`));

      const ctx = fuzzContext(bob, before.room.messages.at(-1)!.id);
      const arbitrary = invalidCalls(ctx);
      const CHUNK = 2000;
      let buffer: FuzzCall[] = [];
      let produced = 0;
      let chunk = 0;
      let generationMs = 0;
      const next = (): FuzzCall | undefined => {
        if (produced >= RUNS) return undefined;
        if (buffer.length === 0) {
          const t = performance.now();
          buffer = fc.sample(arbitrary, { seed: SEED + chunk++, numRuns: Math.min(CHUNK, RUNS - produced) }).reverse();
          generationMs += performance.now() - t;
        }
        produced++;
        return buffer.pop();
      };

      const verdict = schemaVerdict(ctx.textMax);
      const codes = new Map<string, number>();
      const categories = new Map<string, number>();
      const failures = new Map<string, string[]>();
      let answered = 0;
      const onAck = (c: FuzzCall, res: unknown) => {
        answered++;
        categories.set(c.category, (categories.get(c.category) ?? 0) + 1);
        const r = refusal(res);
        const problem = "wrong" in r ? r.wrong : r.code === "INVALID_INPUT" ? undefined : `code ${r.code}: ${JSON.stringify(res)}`;
        if ("code" in r) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
        if (problem) {
          const list = failures.get(c.category) ?? [];
          if (list.length < 3) list.push(`${problem} <- ${describeCall(c)}${verdict(c)}`);
          failures.set(c.category, list);
        }
      };

      // Fail with a useful message instead of a bare timeout if acks stop coming.
      let stalled: string | undefined;
      let lastAnswered = -1;
      const watchdog = setInterval(() => {
        if (answered === lastAnswered) stalled = `no ack for 10 s after ${answered} answers (${produced} sent)`;
        lastAnswered = answered;
      }, 10_000);

      const started = performance.now();
      try {
        await Promise.race([
          Promise.all(fuzzers.map((f) => pump(f.socket, next, onAck, IN_FLIGHT_PER_SOCKET))),
          new Promise<void>((_, reject) => {
            const check = setInterval(() => {
              if (stalled) {
                clearInterval(check);
                reject(new Error(stalled));
              }
              if (answered >= RUNS) clearInterval(check);
            }, 250);
          }),
        ]);
      } finally {
        clearInterval(watchdog);
      }
      const seconds = (performance.now() - started) / 1000;
      // eslint-disable-next-line no-console -- the measured rate is part of the result
      console.log(
        `fuzz: ${answered} invalid calls (seed ${SEED}) in ${seconds.toFixed(1)} s = ${Math.round(answered / seconds)} calls/s ` +
          `over ${SOCKETS} sockets x ${IN_FLIGHT_PER_SOCKET} in flight (generation ${Math.round(generationMs)} ms); ` +
          `${categories.size} categories; codes ${JSON.stringify(Object.fromEntries(codes))}`,
      );

      expect(answered).toBe(RUNS);
      expect(Object.fromEntries(failures), `calls not refused with exactly INVALID_INPUT (seed ${SEED})`).toEqual({});
      expect([...codes.keys()]).toEqual(["INVALID_INPUT"]);
      expect(categories.size).toBeGreaterThan(50);

      // Still connected, still served, still answering.
      expect(disconnects).toEqual([]);
      expect(fuzzers.every((f) => f.socket.connected)).toBe(true);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      await Promise.all(fuzzers.map((f) => ok(f.socket, "rooms")));

      // No read marker, conversation or mention slipped through for the fuzzing sockets either.
      for (const f of fuzzers) {
        const mine = await ok<{ rooms: { unread?: number }[] }>(f.socket, "rooms");
        expect(mine.rooms.filter((r) => r.unread !== undefined)).toEqual([]);
        expect(await ok(f.socket, "conversations")).toEqual({ ok: true, conversations: [] });
      }
      expect(bobMentions).toEqual([]);

      // Nothing stored, nothing delivered, no room created.
      await Promise.all([alice, bob, ...fuzzers].map((c) => flush(c.socket)));
      expect(await snapshot(alice, bob)).toEqual(before);
      expect(aliceGot).toEqual([]);
      expect(bobGot).toEqual([]);
      expect(fuzzerGot.flat()).toEqual([]);
      const warnings = logs()
        .slice(logsBefore)
        .filter((e) => e.level >= 40);
      expect(warnings, "server warned while refusing input").toEqual([]);
      for (const f of fuzzers) f.socket.disconnect();
    },
    120_000,
  );

  it("when the handshake carries invalid auth, then the connection is refused INVALID_INPUT or UNAUTHORIZED and the server stays up", async () => {
    const cases = fc.sample(invalidAuths(alice.session.token!, alice.session.userId), { seed: SEED, numRuns: HANDSHAKE_RUNS });
    const attempt = (c: AuthCase) =>
      new Promise<{ message: string; data?: AckError } | "connected">((resolve) => {
        const socket = io(server.url, { auth: c.auth, transports: ["websocket"], forceNew: true, reconnection: false });
        const timer = setTimeout(() => {
          socket.disconnect();
          resolve({ message: "no answer within 5 s" });
        }, 5000);
        socket.once("session", () => {
          clearTimeout(timer);
          socket.disconnect();
          resolve("connected");
        });
        socket.once("connect_error", (err: Error & { data?: AckError }) => {
          clearTimeout(timer);
          socket.disconnect();
          resolve({ message: err.message, ...(err.data ? { data: err.data } : {}) });
        });
      });

    const problems: string[] = [];
    const tally = new Map<string, number>();
    let index = 0;
    const worker = async () => {
      while (index < cases.length) {
        const c = cases[index++]!;
        const result = await attempt(c);
        const got = result === "connected" ? "connected" : result.message;
        tally.set(`${c.category}->${got}`, (tally.get(`${c.category}->${got}`) ?? 0) + 1);
        const fine =
          result !== "connected" &&
          result.message === c.expected &&
          result.data?.code === c.expected &&
          typeof result.data.message === "string" &&
          result.data.message.length > 0;
        if (!fine && problems.length < 20) {
          problems.push(`${c.category}: expected ${c.expected}, got ${JSON.stringify(result)} for auth ${JSON.stringify(c.auth).slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    // eslint-disable-next-line no-console -- what the handshake fuzzing saw
    console.log(`handshake fuzz: ${cases.length} invalid auth objects: ${JSON.stringify(Object.fromEntries(tally))}`);
    expect(problems).toEqual([]);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const carol = await connectClient(server.url, { name: "carol" });
    expect(carol.session.name).toBe("carol");
    // The real token still works: it is alice again.
    const again = await connectClient(server.url, { name: "alice again", token: alice.session.token });
    expect(again.session.userId).toBe(alice.session.userId);
    expect(alice.socket.connected && bob.socket.connected).toBe(true);
  });

  it("when events are sent without an ack callback, then nothing crashes, nothing is stored and nothing is delivered", async () => {
    const before = await snapshot(alice, bob);
    const eve = await connectClient(server.url, { name: "eve" });
    await ok(eve.socket, "join", "chat");
    const seen = [alice, bob, eve].map((c) => collectMessages(c.socket));
    const emit = eve.socket.emit.bind(eve.socket) as unknown as (event: string, ...args: unknown[]) => void;
    const stats = { ...server.chat.stats };
    let withoutAck = 0;
    let unknown = 0;

    // Valid calls without an ack: ignored (the contract: "an ack event sent without an ack callback ... ignored").
    const valid: [string, ...unknown[]][] = [
      ["message", { room: "chat", text: "sent without ack" }],
      ["message", { room: "chat", text: "sent without ack", clientId: "no-ack-1" }],
      ["broadcast", { text: "broadcast without ack" }],
      ["private message", { to: bob.socket.id, text: "private without ack" }],
      ["join", "noackroom"],
      ["leave", "chat"],
      ["rooms"],
      ["history", { room: "chat" }],
      ["private message", { toUser: bob.session.userId, text: "to a user without ack" }],
      ["search", { q: "first" }],
      ["read", { room: "chat", upTo: before.room.messages.at(-1)!.id }],
      ["conversations"],
      ["history", { room: "chat", changedAfter: before.room.messages[0]!.rev }],
      ["react", { id: before.room.messages[0]!.id, emoji: "👍", on: true }],
      ["edit", { id: before.room.messages[0]!.id, text: "edited without ack" }],
      ["delete", { id: before.room.messages[0]!.id }],
    ];
    for (const [event, ...args] of valid) {
      emit(event, ...args);
      withoutAck++;
    }
    // A deterministic sample of the invalid calls, without acks (typing's ack is optional: it runs and is refused).
    const ctx = fuzzContext(bob, before.room.messages.at(-1)!.id);
    for (const c of fc.sample(invalidCalls(ctx), { seed: 7, numRuns: 500 })) {
      emit(c.event, ...c.args);
      if (c.event !== "typing") withoutAck++;
    }
    // Unknown events, including names that exist on every object.
    for (const event of ["error", "constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "then", "emit", "nope", "join ", "MESSAGE", ""]) {
      emit(event, { room: "chat", text: "x" });
      unknown++;
    }

    await flush(eve.socket);
    await Promise.all([alice, bob].map((c) => flush(c.socket)));
    expect(eve.socket.connected).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await snapshot(alice, bob)).toEqual(before);
    expect(seen.flat()).toEqual([]);
    // Still in chat (the ack-less leave was ignored) and not in the ack-less joined room.
    const res = (await call(eve.socket, "message", { room: "noackroom", text: "x" })) as { ok: boolean; error?: AckError };
    expect(res).toMatchObject({ ok: false, error: { code: "NOT_IN_ROOM" } });
    const inChat = await ok<{ message: ChatMessage }>(eve.socket, "message", { room: "chat", text: "after the ack-less calls" });
    expect(inChat.message.from.userId).toBe(eve.session.userId);
    expect(server.chat.stats.missingAck - stats.missingAck).toBe(withoutAck);
    expect(server.chat.stats.unknownEvents - stats.unknownEvents).toBe(unknown);
  });
});

