/**
 * The services on the embedded database, without Socket.IO: what each
 * promises, with a delivery that only records what it was given.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { ChatMessage } from "../../server/protocol.js";
import { createServices, type Services } from "../../server/services.js";
import type { Storage } from "../../server/storage/storage.js";
import { memoryStorage, patched } from "../helpers/storage.js";

const ann = { userId: "annAAAAAAAAAAAAA", name: "Ann", socketId: "s-ann" };
const ben = { userId: "benBBBBBBBBBBBBB", name: "Ben", socketId: "s-ben" };
const cat = { userId: "catCCCCCCCCCCCCC", name: "Cat", socketId: "s-cat" };

let storage: Storage;
let services: Services;
let delivered: ChatMessage[];
let updated: ChatMessage[];

beforeEach(async () => {
  storage = memoryStorage();
  await storage.init();
  delivered = [];
  updated = [];
  services = createServices(storage, {
    config: { storage: { maxConcurrent: 8, maxWaitMs: 1000 }, maxRooms: 4 },
    logger: pino({ level: "silent" }),
    delivery: {
      message: async (m) => void delivered.push(m),
      updated: async (m) => void updated.push(m),
    },
  });
});
afterEach(() => storage.close());

describe("MessageService", () => {
  it("when a message is sent twice with one clientId, then it is stored and delivered once and the repeat gets the original", async () => {
    const first = await services.messages.send({ kind: "room", room: "chat", from: ann, text: "hello", clientId: "c-1" });
    const again = await services.messages.send({ kind: "room", room: "chat", from: ann, text: "hello", clientId: "c-1" });
    expect(first.created).toBe(true);
    expect(again).toEqual({ message: first.message, created: false });
    expect(delivered).toEqual([first.message]);
    const page = await services.messages.history(ben.userId, { room: "chat", limit: 50 });
    expect(page.messages).toEqual([first.message]);
  });

  it("when someone asks for a conversation with a person, then they get their own, never someone else's", async () => {
    await services.messages.send({ kind: "private", from: ann, to: ben, text: "just us" });
    const ben_ = await services.messages.history(ben.userId, { with: ann.userId, limit: 50 });
    const cat_ = await services.messages.history(cat.userId, { with: ann.userId, limit: 50 });
    expect(ben_.messages.map((m) => m.text)).toEqual(["just us"]);
    expect(cat_.messages).toEqual([]);
  });

  it("when a reply quotes a message of another conversation, then it is refused with NOT_FOUND and nothing is stored", async () => {
    const secret = (await services.messages.send({ kind: "private", from: ann, to: ben, text: "secret" })).message;
    await expect(
      services.messages.send({ kind: "room", room: "chat", from: cat, text: "quoting", replyTo: secret.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await services.messages.history(cat.userId, { room: "chat", limit: 50 })).messages).toEqual([]);
  });
});

describe("MessageService and deletions", () => {
  it("when the quoted message is deleted while a reply to it is being stored, then the reply is stored, delivered and acked with the quote withdrawn", async () => {
    const base = memoryStorage();
    await base.init();
    let deleteFirst: (() => Promise<unknown>) | undefined;
    const storage = patched(base, {
      messages: {
        // The deletion lands after the reply's quote was read and before the reply is written.
        insert: async (m) => {
          const running = deleteFirst;
          deleteFirst = undefined;
          await running?.();
          return base.messages.insert(m);
        },
      },
    });
    const seen: ChatMessage[] = [];
    const racing = createServices(storage, {
      config: { storage: { maxConcurrent: 8, maxWaitMs: 1000 }, maxRooms: 4 },
      logger: pino({ level: "silent" }),
      delivery: { message: async (m) => void seen.push(m), updated: async () => undefined },
    });
    try {
      const quoted = (await racing.messages.send({ kind: "room", room: "chat", from: ann, text: "take it back" })).message;
      deleteFirst = () => racing.changes.delete(ann.userId, quoted.id);
      const reply = await racing.messages.send({ kind: "room", room: "chat", from: ben, text: "too late", replyTo: quoted.id });
      const withdrawn = { id: quoted.id, from: ann, text: "", deleted: true };
      expect(reply.message.replyTo).toEqual(withdrawn);
      expect(seen.at(-1)).toEqual(reply.message);
      expect((await base.messages.get(reply.message.id))?.replyTo).toEqual(withdrawn);
    } finally {
      await base.close();
    }
  });
});

describe("RoomService", () => {
  it("when rooms are created past the limit, then the next is FORBIDDEN and the list keeps creation order", async () => {
    await services.rooms.ensureRoom("one");
    await services.rooms.ensureRoom("two");
    await services.rooms.ensureRoom("one");
    await expect(services.rooms.ensureRoom("three")).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await services.rooms.list()).toEqual(["chat", "study", "one", "two"]);
    expect(await services.rooms.exists("two")).toBe(true);
    expect(await services.rooms.exists("three")).toBe(false);
  });
});

describe("ChangeService", () => {
  it("when the author edits, then the new state is delivered; when anyone else edits, then FORBIDDEN", async () => {
    const sent = (await services.messages.send({ kind: "room", room: "chat", from: ann, text: "draft" })).message;
    await expect(services.changes.edit(ben.userId, sent.id, "hijacked")).rejects.toMatchObject({ code: "FORBIDDEN" });
    const edited = await services.changes.edit(ann.userId, sent.id, "final");
    expect(edited).toMatchObject({ id: sent.id, text: "final" });
    expect(updated).toEqual([edited]);
  });

  it("when someone reacts to a private message they cannot read, then it is NOT_FOUND and nothing changes", async () => {
    const dm = (await services.messages.send({ kind: "private", from: ann, to: ben, text: "just us" })).message;
    await expect(services.changes.react(cat.userId, dm.id, "👍", true)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const reacted = await services.changes.react(ben.userId, dm.id, "👍", true);
    expect(reacted.reactions).toEqual([{ emoji: "👍", userIds: [ben.userId] }]);
    expect(updated).toEqual([reacted]);
  });
});

describe("PeopleService and SearchService", () => {
  it("when a private message arrives, then both people list the conversation, the reader's unread count follows their marker", async () => {
    await services.people.seen(ann.userId, ann.name);
    const first = (await services.messages.send({ kind: "private", from: ann, to: ben, text: "one" })).message;
    await services.messages.send({ kind: "private", from: ann, to: ben, text: "two" });
    const [conversation] = await services.people.conversations(ben.userId);
    expect(conversation).toMatchObject({ user: { userId: ann.userId, name: "Ann" }, last: { text: "two" }, unread: 2 });
    await services.people.markRead(ben.userId, { with: ann.userId, upTo: first.id });
    expect((await services.people.conversations(ben.userId))[0]!.unread).toBe(1);
    expect((await services.people.conversations(ann.userId))[0]).toMatchObject({ user: { userId: ben.userId }, unread: 0 });
  });

  it("when someone searches, then they find public messages and their own conversations, never other people's", async () => {
    await services.messages.send({ kind: "room", room: "chat", from: ann, text: "the picnic is on Friday" });
    await services.messages.send({ kind: "private", from: ann, to: ben, text: "secret picnic plans" });
    const asCat = await services.search.search(cat.userId, { q: "picnic", limit: 20 });
    const asBen = await services.search.search(ben.userId, { q: "picnic", limit: 20 });
    expect(asCat.messages.map((m) => m.text)).toEqual(["the picnic is on Friday"]);
    expect(asBen.messages.map((m) => m.text)).toEqual(["secret picnic plans", "the picnic is on Friday"]);
  });
});
