/**
 * The behaviour every MessageStore must have. Run against each backend with
 * `describeStoreContract(name, makeStorage)`: each test opens a fresh
 * Storage, uses its `messages` store and closes it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { directChannel, roomChannel } from "../../server/channels/channel.js";
import { createIdGenerator } from "../../server/messages/message-id.js";
import type { MessageChange } from "../../server/messages/message-change.js";
import { BEFORE_ALL, type MessageStore, type SearchQuery } from "../../server/messages/message-store.js";
import { searchMatcher } from "../../server/messages/search-terms.js";
import { LIMITS, type ChatMessage } from "../../server/protocol.js";
import type { Storage } from "../../server/storage/storage.js";
import { roomMessageBuilder } from "./messages.js";

const alice = { userId: "aliceAAAAAAAAAAA", name: "alice", socketId: "sockA" };
const bob = { userId: "bobBBBBBBBBBBBBB", name: "bob", socketId: "sockB" };

export function describeStoreContract(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name} message store contract`, () => {
    let storage: Storage;
    let store: MessageStore;
    const ids = createIdGenerator();
    const roomMessage = roomMessageBuilder(alice);

    beforeEach(async () => {
      storage = await makeStorage();
      await storage.init();
      store = storage.messages;
    });
    afterEach(async () => {
      await storage.close();
    });

    it("when initialised, then it reports ready", async () => {
      expect(await storage.isReady()).toBe(true);
    });

    it("when a message is inserted, then a page returns it with every field intact", async () => {
      const m = roomMessage("héllo 你好 <b>x</b>", { clientId: "c1", key: "c1" });
      const res = await store.insert(m);
      expect(res.created).toBe(true);
      const { channel: _c, key: _k, ...fields } = m;
      expect(res.message.rev).toMatch(/^[0-9a-f]{24}$/);
      const expected = { ...fields, rev: res.message.rev };
      expect(res.message).toEqual(expected);
      const page = await store.page({ channel: m.channel, limit: 10 });
      expect(page).toEqual({ messages: [expected], hasMore: false });
    });

    it("when the same sender repeats a key, then the original is returned and nothing new is stored", async () => {
      const first = await store.insert(roomMessage("one", { clientId: "k1", key: "k1" }));
      const again = await store.insert(roomMessage("two", { clientId: "k1", key: "k1" }));
      expect(again.created).toBe(false);
      expect(again.message).toEqual(first.message);
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages).toHaveLength(1);
    });

    it("when looking a message up by sender and key, then only that sender's message is found", async () => {
      const stored = await store.insert(roomMessage("findable", { clientId: "f1", key: "f1" }));
      expect(await store.findByKey(alice.userId, "f1")).toEqual(stored.message);
      expect(await store.findByKey(bob.userId, "f1")).toBeUndefined();
      expect(await store.findByKey(alice.userId, "nope")).toBeUndefined();
    });

    it("when two senders use the same key, then both messages are stored", async () => {
      await store.insert(roomMessage("a", { key: "same" }));
      const other = await store.insert(roomMessage("b", { key: "same", from: bob }));
      expect(other.created).toBe(true);
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages).toHaveLength(2);
    });

    it("when retries race, then exactly one message is stored", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.insert(roomMessage("race", { clientId: "r1", key: "r1" }))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages).toHaveLength(1);
    });

    it("when paging with before, then pages are oldest-first, strictly older, and hasMore is exact", async () => {
      const sent: string[] = [];
      for (let i = 0; i < 25; i++) sent.push((await store.insert(roomMessage(`m${i}`))).message.id);
      const newest = await store.page({ channel: roomChannel("chat"), limit: 10 });
      expect(newest.messages.map((m) => m.id)).toEqual(sent.slice(15));
      expect(newest.hasMore).toBe(true);
      const middle = await store.page({ channel: roomChannel("chat"), before: sent[15], limit: 10 });
      expect(middle.messages.map((m) => m.id)).toEqual(sent.slice(5, 15));
      expect(middle.hasMore).toBe(true);
      const oldest = await store.page({ channel: roomChannel("chat"), before: sent[5], limit: 10 });
      expect(oldest.messages.map((m) => m.id)).toEqual(sent.slice(0, 5));
      expect(oldest.hasMore).toBe(false);
    });

    it("when paging with after, then pages are oldest-first, strictly newer, and hasMore is exact", async () => {
      const sent: string[] = [];
      for (let i = 0; i < 25; i++) sent.push((await store.insert(roomMessage(`m${i}`))).message.id);
      const first = await store.page({ channel: roomChannel("chat"), after: sent[4], limit: 10 });
      expect(first.messages.map((m) => m.id)).toEqual(sent.slice(5, 15));
      expect(first.hasMore).toBe(true);
      const last = await store.page({ channel: roomChannel("chat"), after: sent[14], limit: 10 });
      expect(last.messages.map((m) => m.id)).toEqual(sent.slice(15, 25));
      expect(last.hasMore).toBe(false);
      const none = await store.page({ channel: roomChannel("chat"), after: sent[24], limit: 10 });
      expect(none).toEqual({ messages: [], hasMore: false });
    });

    it("when paging one message either side of the first and the last, then the edges say so (what history around is made of)", async () => {
      const sent: string[] = [];
      for (let i = 0; i < 3; i++) sent.push((await store.insert(roomMessage(`m${i}`))).message.id);
      const channel = roomChannel("chat");
      expect(await store.page({ channel, before: sent[0], limit: 1 })).toEqual({ messages: [], hasMore: false });
      expect((await store.page({ channel, after: sent[0], limit: 1 })).messages.map((m) => m.id)).toEqual([sent[1]]);
      expect((await store.page({ channel, after: sent[0], limit: 1 })).hasMore).toBe(true);
      expect((await store.page({ channel, before: sent[2], limit: 1 })).messages.map((m) => m.id)).toEqual([sent[1]]);
      expect(await store.page({ channel, after: sent[2], limit: 1 })).toEqual({ messages: [], hasMore: false });
    });

    it("when channels differ, then pages never mix them", async () => {
      await store.insert(roomMessage("in chat"));
      await store.insert(roomMessage("in study", { room: "study", channel: roomChannel("study") }));
      const dm = directChannel(alice.userId, bob.userId);
      await store.insert(roomMessage("private", { kind: "private", channel: dm, to: bob }));
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages.map((m) => m.text)).toEqual([
        "in chat",
      ]);
      const both = await store.page({ channel: directChannel(bob.userId, alice.userId), limit: 10 });
      expect(both.messages.map((m) => m.text)).toEqual(["private"]);
      expect(both.messages[0]?.to).toEqual(bob);
    });

    it("when a caller changes what the store returned, then the stored message stays as it was", async () => {
      const { message } = await store.insert(roomMessage("original", { mentions: [bob.userId], key: "copy1" }));
      await store.change(message.id, { kind: "react", emoji: "👍", userId: bob.userId, on: true }, () => {});
      const before = await store.get(message.id);
      const returned = [
        (await store.page({ channel: roomChannel("chat"), limit: 10 })).messages[0]!,
        (await store.findByKey(alice.userId, "copy1"))!,
        (await store.get(message.id))!,
        (await store.changes({ channel: roomChannel("chat"), after: BEFORE_ALL, limit: 10 })).messages[0]!,
      ];
      for (const m of returned) {
        m.text = "tampered";
        m.from.name = "mallory";
        m.mentions?.push("someone");
        m.reactions?.[0]?.userIds.push("someone");
      }
      expect(await store.get(message.id)).toEqual(before);
    });

    // ------------------------------------------------------------ protocol v1.1

    const allowAll = () => {};
    const edit = (text: string): MessageChange => ({ kind: "edit", text, at: new Date().toISOString() });
    const react = (emoji: string, userId: string, on = true): MessageChange => ({ kind: "react", emoji, userId, on });
    const changeOf = async (id: string, change: MessageChange) => {
      const res = await store.change(id, change, allowAll);
      if (!res) throw new Error(`no message ${id}`);
      return res;
    };
    const allChanges = async (channel: string, after = "0".repeat(24), limit = 100) => {
      const seen: ChatMessage[] = [];
      for (;;) {
        const page = await store.changes({ channel, after, limit });
        seen.push(...page.messages);
        if (!page.hasMore) return seen;
        after = page.messages.at(-1)!.rev;
      }
    };

    it("when messages are inserted, then each gets a rev and revs grow in insertion order", async () => {
      const revs: string[] = [];
      for (let i = 0; i < 5; i++) revs.push((await store.insert(roomMessage(`r${i}`))).message.rev);
      expect(new Set(revs).size).toBe(5);
      expect([...revs].sort()).toEqual(revs);
    });

    it("when a message is edited, then text, editedAt and rev change everywhere it is read", async () => {
      const { message } = await store.insert(roomMessage("typo"));
      const other = await store.insert(roomMessage("later"));
      const res = await changeOf(message.id, edit("fixed"));
      expect(res.changed).toBe(true);
      expect(res.message).toMatchObject({ id: message.id, text: "fixed", createdAt: message.createdAt });
      expect(res.message.editedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(res.message.rev > other.message.rev).toBe(true);
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages[0]).toEqual(res.message);
      const stored = await store.get(message.id);
      expect(stored).toMatchObject({ ...res.message, channel: roomChannel("chat") });
    });

    it("when a change would change nothing, then it reports unchanged and keeps the rev", async () => {
      const { message } = await store.insert(roomMessage("same"));
      expect(await changeOf(message.id, edit("same"))).toEqual({ message, changed: false });
      expect(await changeOf(message.id, react("👍", bob.userId, false))).toEqual({ message, changed: false });
      const on = await changeOf(message.id, react("👍", bob.userId));
      expect(on.changed).toBe(true);
      expect(await changeOf(message.id, react("👍", bob.userId))).toEqual({ message: on.message, changed: false });
    });

    it("when a message is deleted, then it is a tombstone with no text or reactions, and deleting again changes nothing", async () => {
      const { message } = await store.insert(roomMessage("regret"));
      await changeOf(message.id, react("😀", bob.userId));
      const gone = await changeOf(message.id, { kind: "delete", at: new Date().toISOString() });
      expect(gone.changed).toBe(true);
      expect(gone.message.text).toBe("");
      expect(gone.message.deletedAt).toBeDefined();
      expect(gone.message.reactions).toBeUndefined();
      expect(await changeOf(message.id, { kind: "delete", at: new Date().toISOString() })).toEqual({
        message: gone.message,
        changed: false,
      });
      expect(await changeOf(message.id, edit("back"))).toEqual({ message: gone.message, changed: false });
      expect(await changeOf(message.id, react("😀", alice.userId))).toEqual({ message: gone.message, changed: false });
    });

    it("when the check refuses a change, then the error comes back and nothing changes", async () => {
      const { message } = await store.insert(roomMessage("keep"));
      const refuse = (current: { from: { userId: string } }) => {
        if (current.from.userId === alice.userId) throw new Error("refused");
      };
      await expect(store.change(message.id, edit("changed"), refuse)).rejects.toThrow("refused");
      expect((await store.get(message.id))?.text).toBe("keep");
      expect(await store.change("ffffffffffffffffffffffff", edit("x"), allowAll)).toBeUndefined();
      expect(await store.get("ffffffffffffffffffffffff")).toBeUndefined();
    });

    it("when reactions come and go, then they are listed in order of first use without empty entries", async () => {
      const { message } = await store.insert(roomMessage("react to me"));
      await changeOf(message.id, react("🎉", alice.userId));
      await changeOf(message.id, react("👍", bob.userId));
      await changeOf(message.id, react("👍", alice.userId));
      let res = await changeOf(message.id, react("🎉", alice.userId, false));
      expect(res.message.reactions).toEqual([{ emoji: "👍", userIds: [bob.userId, alice.userId] }]);
      await changeOf(message.id, react("🇫🇷", bob.userId));
      res = await changeOf(message.id, react("🎉", bob.userId));
      expect(res.message.reactions).toEqual([
        { emoji: "🎉", userIds: [bob.userId] },
        { emoji: "👍", userIds: [bob.userId, alice.userId] },
        { emoji: "🇫🇷", userIds: [bob.userId] },
      ]);
      expect((await store.get(message.id))?.reactions?.filter((r) => r.userIds.length > 0)).toEqual(res.message.reactions);
    });

    it("when emoji keep coming and going, then the stored entries stay within the limit and the shown ones in order of first use", async () => {
      const { message } = await store.insert(roomMessage("fashions change"));
      const emoji = ["😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰", "😍", "🤩", "😘", "😗", "😚", "😙", "😋", "😛", "😜", "🤪", "😝"];
      // Twenty in use, then each in turn taken back and a new one given, five times over.
      for (const e of emoji.slice(0, LIMITS.reactionsMax)) await changeOf(message.id, react(e, alice.userId));
      const shown = emoji.slice(0, LIMITS.reactionsMax);
      for (let i = 0; i < 5; i++) {
        const gone = shown.shift()!;
        await changeOf(message.id, react(gone, alice.userId, false));
        const added = emoji[LIMITS.reactionsMax + i]!;
        const res = await changeOf(message.id, react(added, bob.userId));
        shown.push(added);
        expect(res.message.reactions?.map((r) => r.emoji)).toEqual(shown);
        expect((await store.get(message.id))!.reactions!.length).toBeLessThanOrEqual(LIMITS.reactionsMax);
      }
      // An emptied entry that is not needed for room keeps its place for when it comes back.
      await changeOf(message.id, react(shown[3]!, alice.userId, false));
      const back = await changeOf(message.id, react(shown[3]!, bob.userId));
      expect(back.message.reactions?.map((r) => r.emoji)).toEqual(shown);
    });

    it("when 50 people react to one message at once, then every reaction counts", async () => {
      const { message } = await store.insert(roomMessage("popular"));
      const people = Array.from({ length: 50 }, (_, i) => `user${String(i).padStart(2, "0")}AAAAAAAA`);
      const results = await Promise.all(people.map((userId) => changeOf(message.id, react("❤️", userId))));
      expect(results.every((r) => r.changed)).toBe(true);
      // Every change got its own rev.
      expect(new Set(results.map((r) => r.message.rev)).size).toBe(50);
      const after = (await store.page({ channel: roomChannel("chat"), limit: 10 })).messages[0]!;
      expect(after.reactions).toHaveLength(1);
      expect([...after.reactions![0]!.userIds].sort()).toEqual(people);
      expect(after.rev).toBe([...results.map((r) => r.message.rev)].sort().at(-1));
      await Promise.all(people.map((userId) => changeOf(message.id, react("❤️", userId, false))));
      expect((await store.get(message.id))?.reactions?.flatMap((r) => r.userIds)).toEqual([]);
    }, 60_000);

    it("when asking for changes after a rev, then new, edited, reacted and deleted messages come in rev order, paged exactly", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await store.insert(roomMessage(`c${i}`))).message.id);
      await store.insert(roomMessage("elsewhere", { room: "study", channel: roomChannel("study") }));
      const cursor = (await allChanges(roomChannel("chat"))).at(-1)!.rev;
      expect(await store.changes({ channel: roomChannel("chat"), after: cursor, limit: 10 })).toEqual({
        messages: [],
        hasMore: false,
      });
      await changeOf(ids[1]!, edit("c1 edited"));
      await changeOf(ids[0]!, react("👀", bob.userId));
      const fresh = (await store.insert(roomMessage("c6"))).message;
      await changeOf(ids[3]!, { kind: "delete", at: new Date().toISOString() });
      await changeOf(ids[1]!, edit("c1 edited twice"));

      const first = await store.changes({ channel: roomChannel("chat"), after: cursor, limit: 2 });
      expect(first.hasMore).toBe(true);
      const changed = await allChanges(roomChannel("chat"), cursor, 2);
      expect(changed.map((m) => m.id)).toEqual([ids[0], fresh.id, ids[3], ids[1]]);
      expect(changed.map((m) => m.text)).toEqual(["c0", "c6", "", "c1 edited twice"]);
      expect(changed[2]!.deletedAt).toBeDefined();
      expect(changed.map((m) => m.rev)).toEqual(changed.map((m) => m.rev).sort());
      expect(changed.every((m) => m.rev > cursor)).toBe(true);
      // Everything from the start: each message once, in its latest state.
      const all = await allChanges(roomChannel("chat"));
      expect(all.map((m) => m.id).sort()).toEqual([...ids, fresh.id].sort());
      expect(all.map((m) => m.rev)).toEqual(all.map((m) => m.rev).sort());
    });

    it("when a reply is stored, then its quote is kept as written", async () => {
      const quote = { id: ids(), from: bob, text: "x".repeat(140) };
      const { message } = await store.insert(roomMessage("answer", { replyTo: quote }));
      expect(message.replyTo).toEqual(quote);
      expect((await store.page({ channel: roomChannel("chat"), limit: 1 })).messages[0]?.replyTo).toEqual(quote);
    });

    it("when the quotes of a deleted message are cleared, then every reply to it keeps who it quoted but not the text, with a new rev, once", async () => {
      const quoted = (await store.insert(roomMessage("the secret plan"))).message;
      const other = (await store.insert(roomMessage("another thing"))).message;
      const quote = { id: quoted.id, from: alice, text: "the secret plan" };
      const reply = (await store.insert(roomMessage("count me in", { from: bob, replyTo: quote }))).message;
      // A reply deleted since still quotes in its stored state: it is cleared too.
      const deletedReply = (await store.insert(roomMessage("never mind", { from: bob, replyTo: quote }))).message;
      const tombstone = (await changeOf(deletedReply.id, { kind: "delete", at: new Date().toISOString() })).message;
      const elsewhere = { id: other.id, from: alice, text: "another thing" };
      const unrelated = (await store.insert(roomMessage("what thing?", { from: bob, replyTo: elsewhere }))).message;
      await changeOf(quoted.id, { kind: "delete", at: new Date().toISOString() });
      const cursor = (await allChanges(roomChannel("chat"))).at(-1)!.rev;

      const cleared = await store.clearQuotesOf(quoted.id);

      const withdrawn = { id: quoted.id, from: alice, text: "", deleted: true };
      expect(cleared.map((m) => m.id).sort()).toEqual([reply.id, deletedReply.id].sort());
      expect(cleared.map((m) => m.replyTo)).toEqual([withdrawn, withdrawn]);
      const clearedReply = cleared.find((m) => m.id === reply.id)!;
      expect(clearedReply).toEqual({ ...reply, replyTo: withdrawn, rev: clearedReply.rev });
      expect(cleared.find((m) => m.id === deletedReply.id)).toEqual({ ...tombstone, replyTo: withdrawn, rev: expect.any(String) });
      expect(cleared.every((m) => m.rev > cursor)).toBe(true);
      // Everywhere it is read: a page, the message itself, the change feed.
      const page = (await store.page({ channel: roomChannel("chat"), limit: 10 })).messages;
      expect(page.find((m) => m.id === reply.id)).toEqual(clearedReply);
      expect(page.find((m) => m.id === unrelated.id)).toEqual(unrelated);
      expect(await store.get(reply.id)).toMatchObject({ ...clearedReply, channel: roomChannel("chat") });
      expect((await allChanges(roomChannel("chat"), cursor)).map((m) => m.id).sort()).toEqual([reply.id, deletedReply.id].sort());
      // Search never indexed quotes: the deleted text finds nothing, the reply's own text finds the cleared reply.
      expect(await texts(searchFor("secret plan"))).toEqual([]);
      expect((await store.search(searchFor("count me"))).messages).toEqual([clearedReply]);
      // Idempotent: a second pass changes nothing and keeps the revs.
      expect(await store.clearQuotesOf(quoted.id)).toEqual([]);
      expect(await store.get(reply.id)).toMatchObject(clearedReply);
      expect(await store.clearQuotesOf(ids())).toEqual([]);
    });

    it("when a reply's quote is withdrawn, then later changes of the reply keep it withdrawn", async () => {
      const quoted = (await store.insert(roomMessage("gone soon"))).message;
      const reply = (await store.insert(roomMessage("reply", { from: bob, replyTo: { id: quoted.id, from: alice, text: "gone soon" } }))).message;
      await store.clearQuotesOf(quoted.id);
      const edited = (await changeOf(reply.id, edit("reply, edited"))).message;
      const reacted = (await changeOf(reply.id, react("👍", alice.userId))).message;
      const withdrawn = { id: quoted.id, from: alice, text: "", deleted: true };
      expect(edited.replyTo).toEqual(withdrawn);
      expect(reacted.replyTo).toEqual(withdrawn);
      expect((await store.get(reply.id))?.replyTo).toEqual(withdrawn);
    });

    // ------------------------------------------------------------ unread counts

    it("when messages after the marker are deleted, then they are not counted as unread", async () => {
      const channel = roomChannel("chat");
      const sent: ChatMessage[] = [];
      for (let i = 0; i < 4; i++) sent.push((await store.insert(roomMessage(`from bob ${i}`, { from: bob }))).message);
      await changeOf(sent[1]!.id, { kind: "delete", at: new Date().toISOString() });
      await changeOf(sent[3]!.id, { kind: "delete", at: new Date().toISOString() });
      expect(await store.countUnread(channel, BEFORE_ALL, alice.userId, 1000)).toBe(2);
      expect(await store.countUnread(channel, sent[0]!.id, alice.userId, 1000)).toBe(1);
      expect(await store.countUnread(channel, BEFORE_ALL, alice.userId, 1)).toBe(1);
    });

    it("when counting unread, then only others' messages after the marker count, up to the cap", async () => {
      const first = await store.insert(roomMessage("one"));
      for (let i = 0; i < 5; i++) await store.insert(roomMessage(`from bob ${i}`, { from: bob }));
      await store.insert(roomMessage("mine again"));
      const channel = roomChannel("chat");
      expect(await store.countUnread(channel, first.message.id, alice.userId, 1000)).toBe(5);
      expect(await store.countUnread(channel, first.message.id, alice.userId, 3)).toBe(3);
      expect(await store.countUnread(channel, "0".repeat(24), bob.userId, 1000)).toBe(2);
    });

    it("when counting unread, then other channels, the marked message itself and the reader's own messages never count", async () => {
      const elsewhere = { room: "study", channel: roomChannel("study") };
      const a = await store.insert(roomMessage("from bob", { from: bob }));
      await store.insert(roomMessage("bob in study", { ...elsewhere, from: bob }));
      const b = await store.insert(roomMessage("bob again", { from: bob }));
      await store.insert(roomMessage("alice in study", elsewhere));
      const channel = roomChannel("chat");
      expect(await store.countUnread(channel, BEFORE_ALL, alice.userId, 1000)).toBe(2);
      expect(await store.countUnread(channel, a.message.id, alice.userId, 1000)).toBe(1);
      expect(await store.countUnread(channel, b.message.id, alice.userId, 1000)).toBe(0);
      expect(await store.countUnread(channel, BEFORE_ALL, bob.userId, 1000)).toBe(0);
      expect(await store.countUnread(roomChannel("study"), BEFORE_ALL, bob.userId, 1000)).toBe(1);
      expect(await store.countUnread(roomChannel("study"), BEFORE_ALL, alice.userId, 1)).toBe(1);
      expect(await store.countUnread(roomChannel("empty"), BEFORE_ALL, alice.userId, 1000)).toBe(0);
    });

    // ------------------------------------------------------------ search

    /** The query the search service would send for `q` over `channels`. */
    const searchFor = (q: string, channels = [roomChannel("chat")], limit = 10): SearchQuery => {
      const m = searchMatcher(q);
      return { terms: m.terms, phrases: m.phrases, channels, limit, matches: m.matches };
    };
    const texts = async (query: SearchQuery) => (await store.search(query)).messages.map((m) => m.text);

    it("when searching, then terms, channels, before and the text check all apply, newest first", async () => {
      const a = await store.insert(roomMessage("Lunch at noon"));
      await store.insert(roomMessage("lunch in another room", { room: "study", channel: roomChannel("study") }));
      const c = await store.insert(roomMessage("LUNCH? noon!"));
      await store.insert(roomMessage("noon only"));
      const query = searchFor("noon lunch");
      expect(await store.search(query)).toEqual({ messages: [c.message, a.message], hasMore: false });
      expect(await store.search({ ...query, limit: 1 })).toEqual({ messages: [c.message], hasMore: true });
      expect(await store.search({ ...query, before: c.message.id })).toEqual({ messages: [a.message], hasMore: false });
      expect(await store.search({ ...query, matches: () => false })).toEqual({ messages: [], hasMore: false });
      // The stored terms never reach a client.
      expect(Object.keys(a.message)).not.toContain("terms");
    });

    it("when a query word starts a word of the text, then it matches; inside a word or longer than it, it does not", async () => {
      await store.insert(roomMessage("meeting at noon"));
      await store.insert(roomMessage("Let's meet, then"));
      await store.insert(roomMessage("meetmeet"));
      await store.insert(roomMessage("greet everyone"));
      await store.insert(roomMessage("MEETUP later"));
      expect(await texts(searchFor("meet"))).toEqual(["MEETUP later", "meetmeet", "Let's meet, then", "meeting at noon"]);
      expect(await texts(searchFor("Meeting"))).toEqual(["meeting at noon"]);
      expect(await texts(searchFor("meet noon"))).toEqual(["meeting at noon"]);
      expect(await texts(searchFor("eting"))).toEqual([]);
      expect(await texts(searchFor("eet"))).toEqual([]);
      expect(await texts(searchFor("meetings"))).toEqual([]);
    });

    it("when a query has only one- or two-character words, then they are still found, as starts of words", async () => {
      await store.insert(roomMessage("读书会 tonight"));
      await store.insert(roomMessage("hi there"));
      await store.insert(roomMessage("this and that"));
      await store.insert(roomMessage("Go home, ok?"));
      expect(await texts(searchFor("书"))).toEqual(["读书会 tonight"]);
      expect(await texts(searchFor("hi"))).toEqual(["hi there"]);
      expect(await texts(searchFor("OK go"))).toEqual(["Go home, ok?"]);
      expect(await texts(searchFor("th"))).toEqual(["this and that", "hi there"]);
      expect(await texts(searchFor("h"))).toEqual(["Go home, ok?", "hi there"]);
      expect(await texts(searchFor("is"))).toEqual([]);
    });

    it("when a one-letter prefix matches more than a page, then pages come back newest first with before, whatever else is stored", async () => {
      const mine: ChatMessage[] = [];
      for (let i = 0; i < 30; i++) {
        if (i % 3 === 0) mine.push((await store.insert(roomMessage(`Meeting ${i}`))).message);
        else if (i % 3 === 1) await store.insert(roomMessage(`minutes ${i}`, { room: "study", channel: roomChannel("study") }));
        else await store.insert(roomMessage(`nothing here ${i}`));
      }
      const newestFirst = mine.reverse();
      for (const q of ["m", "me", "mee", "meeting"]) {
        const first = await store.search(searchFor(q, [roomChannel("chat")], 4));
        expect(first, q).toEqual({ messages: newestFirst.slice(0, 4), hasMore: true });
        const second = await store.search({ ...searchFor(q, [roomChannel("chat")], 4), before: first.messages.at(-1)!.id });
        expect(second, q).toEqual({ messages: newestFirst.slice(4, 8), hasMore: true });
        const last = await store.search({ ...searchFor(q, [roomChannel("chat")], 4), before: second.messages.at(-1)!.id });
        expect(last, q).toEqual({ messages: newestFirst.slice(8), hasMore: false });
      }
    });

    it("when a query has no letter or digit, or is regular-expression syntax, then it matches nothing or is taken literally", async () => {
      await store.insert(roomMessage("!!! (a+)+ .* ^$ [x] a+b"));
      await store.insert(roomMessage("all around"));
      expect(await store.search(searchFor("!!!"))).toEqual({ messages: [], hasMore: false });
      expect(await store.search(searchFor(".*"))).toEqual({ messages: [], hasMore: false });
      // Only the letters count: "(a+)+" is the word "a", and "x]" the word "x".
      expect(await texts(searchFor("(a+)+"))).toEqual(["all around", "!!! (a+)+ .* ^$ [x] a+b"]);
      expect(await texts(searchFor("x]"))).toEqual(["!!! (a+)+ .* ^$ [x] a+b"]);
      expect(await texts(searchFor("al.*"))).toEqual(["all around"]);
    });

    it("when a CJK word stands inside a sentence, then search finds it there", async () => {
      await store.insert(roomMessage("明日は東京都に行きます"));
      await store.insert(roomMessage("京都の秋"));
      expect(await texts(searchFor("東京都"))).toEqual(["明日は東京都に行きます"]);
      expect(await texts(searchFor("東京"))).toEqual(["明日は東京都に行きます"]);
      expect(await texts(searchFor("京都"))).toEqual(["京都の秋", "明日は東京都に行きます"]);
      expect(await texts(searchFor("大阪"))).toEqual([]);
      // Characters are matched in place, not as starts of words.
      expect(await texts(searchFor("都"))).toEqual(["京都の秋", "明日は東京都に行きます"]);
      expect(await texts(searchFor("京都の"))).toEqual(["京都の秋"]);
      expect(await texts(searchFor("都の秋"))).toEqual(["京都の秋"]);
    });

    it("when text is full-width or upper case, then it is found by its normal form", async () => {
      await store.insert(roomMessage("ＨＥＬＬＯ Ｗｏｒｌｄ"));
      expect(await texts(searchFor("hello world"))).toEqual(["ＨＥＬＬＯ Ｗｏｒｌｄ"]);
      expect(await texts(searchFor("ＷＯＲＬＤ"))).toEqual(["ＨＥＬＬＯ Ｗｏｒｌｄ"]);
      expect(await texts(searchFor("ｈｅｌ WOR"))).toEqual(["ＨＥＬＬＯ Ｗｏｒｌｄ"]);
    });

    it("when a message is edited or deleted, then search follows its text", async () => {
      const { message } = await store.insert(roomMessage("draft about apples"));
      const gone = await store.insert(roomMessage("apples and pears"));
      await changeOf(message.id, edit("final about oranges"));
      await changeOf(gone.message.id, { kind: "delete", at: new Date().toISOString() });
      expect(await texts(searchFor("apples"))).toEqual([]);
      expect(await texts(searchFor("oranges"))).toEqual(["final about oranges"]);
      expect(await texts(searchFor("about"))).toEqual(["final about oranges"]);
    });

    it("when searching several channels, then matches of exactly those come back, newest first across them", async () => {
      const dm = directChannel(alice.userId, bob.userId);
      await store.insert(roomMessage("release notes one"));
      await store.insert(roomMessage("release notes two", { room: "study", channel: roomChannel("study") }));
      await store.insert(roomMessage("release notes three", { kind: "private", channel: dm, to: bob }));
      await store.insert(roomMessage("release notes four", { room: "secret", channel: roomChannel("secret") }));
      const channels = [roomChannel("chat"), roomChannel("study"), dm];
      expect(await texts(searchFor("release notes", channels))).toEqual([
        "release notes three",
        "release notes two",
        "release notes one",
      ]);
      expect(await texts(searchFor("notes", [roomChannel("secret")]))).toEqual(["release notes four"]);
      const page = await store.search(searchFor("release", channels, 2));
      expect(page.hasMore).toBe(true);
      const rest = await store.search({ ...searchFor("release", channels, 2), before: page.messages.at(-1)!.id });
      expect(rest).toMatchObject({ hasMore: false });
      expect(rest.messages.map((m) => m.text)).toEqual(["release notes one"]);
    });

    it("when searching with short words, then channels, before and limit apply as well", async () => {
      const dm = directChannel(alice.userId, bob.userId);
      const sent: ChatMessage[] = [];
      for (let i = 0; i < 4; i++) sent.push((await store.insert(roomMessage(`ok ${i}`))).message);
      sent.push((await store.insert(roomMessage("ok dm", { kind: "private", channel: dm, to: bob }))).message);
      await store.insert(roomMessage("ok elsewhere", { room: "study", channel: roomChannel("study") }));
      const query = searchFor("ok", [roomChannel("chat"), dm], 3);
      const first = await store.search(query);
      expect(first.messages.map((m) => m.text)).toEqual(["ok dm", "ok 3", "ok 2"]);
      expect(first.hasMore).toBe(true);
      const second = await store.search({ ...query, before: first.messages.at(-1)!.id });
      expect(second).toEqual({ messages: [sent[1], sent[0]], hasMore: false });
    });
  });
}
