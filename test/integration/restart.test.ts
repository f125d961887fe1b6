/**
 * The embedded database as a newcomer meets it: the built server with no
 * MONGODB_URI, killed without warning (SIGKILL) and started again on the
 * same data directory, keeps everything people did.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ChatMessage, Conversation, JoinResult, Page, RoomInfo } from "../../server/protocol.js";
import { connectClient, disconnectAll, ok } from "../helpers/client.js";
import { spawnServer, type ServerProcess } from "../helpers/process.js";
import { tempDataDir } from "../helpers/storage.js";

type Sent = { message: ChatMessage };

describe("the embedded database across a kill -9", () => {
  const running: ServerProcess[] = [];
  afterEach(async () => {
    disconnectAll();
    for (const proc of running.splice(0)) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  });

  it("when the server is killed and started again, then messages, edits, reactions, rooms, conversations and read markers are back and search finds them", async () => {
    const env = { DATA_DIR: tempDataDir(), RATE_LIMIT_BURST: "1000" };
    const first = await spawnServer(env);
    running.push(first);
    expect(first.output()).toMatch(/embedded SQLite database .*chat\.db/);
    const ann = await connectClient(first.url, { name: "ann" });
    const ben = await connectClient(first.url, { name: "ben" });
    await ok(ann.socket, "join", "book-club");
    await ok(ben.socket, "join", "book-club");
    const said = (await ok<Sent>(ann.socket, "message", { room: "book-club", text: "we meet on Tuesday", clientId: "c-1" })).message;
    const news = (await ok<Sent>(ben.socket, "broadcast", { text: "读书会 moved to the library" })).message;
    const secret = (await ok<Sent>(ann.socket, "private message", { toUser: ben.session.userId, text: "bring the cake" })).message;
    const edited = (await ok<Sent>(ann.socket, "edit", { id: said.id, text: "we meet on Wednesday" })).message;
    const reacted = (await ok<Sent>(ann.socket, "react", { id: news.id, emoji: "🎉", on: true })).message;
    await ok(ben.socket, "read", { room: "book-club", upTo: said.id });
    disconnectAll();

    first.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    running.pop();

    const second = await spawnServer(env, first.port);
    running.push(second);
    const annBack = await connectClient(second.url, { name: "ann", token: ann.session.token });
    const benBack = await connectClient(second.url, { name: "ben", token: ben.session.token });

    const { rooms } = await ok<{ rooms: RoomInfo[] }>(benBack.socket, "rooms");
    expect(rooms.find((r) => r.name === "book-club")).toEqual({ name: "book-club", members: 0, unread: 0 });
    const joined = await ok<JoinResult>(benBack.socket, "join", "book-club");
    expect(joined.history).toEqual([edited]);
    expect((await ok<Page>(benBack.socket, "history", { broadcast: true })).messages).toEqual([reacted]);
    expect(reacted.reactions).toEqual([{ emoji: "🎉", userIds: [ann.session.userId] }]);
    expect((await ok<Page>(benBack.socket, "history", { with: ann.session.userId })).messages).toEqual([secret]);
    const { conversations } = await ok<{ conversations: Conversation[] }>(benBack.socket, "conversations");
    expect(conversations).toEqual([{ user: { userId: ann.session.userId, name: "ann" }, last: secret, unread: 1, online: true }]);

    // Search reads the same database: the edited text, not the old one; Chinese inside a sentence; one character.
    expect((await ok<Page>(benBack.socket, "search", { q: "Wednesday" })).messages).toEqual([edited]);
    expect((await ok<Page>(benBack.socket, "search", { q: "Tuesday" })).messages).toEqual([]);
    expect((await ok<Page>(benBack.socket, "search", { q: "读书会" })).messages).toEqual([reacted]);
    expect((await ok<Page>(benBack.socket, "search", { q: "书" })).messages).toEqual([reacted]);
    expect((await ok<Page>(benBack.socket, "search", { q: "cake" })).messages).toEqual([secret]);

    // The idempotency key outlived the process: a late retry gets the original, nothing new is stored.
    await ok(annBack.socket, "join", "book-club");
    const retry = await ok<Sent>(annBack.socket, "message", { room: "book-club", text: "we meet on Tuesday", clientId: "c-1" });
    expect(retry.message).toEqual(edited);
    expect((await ok<Page>(benBack.socket, "history", { room: "book-club" })).messages).toEqual([edited]);
  });
});
