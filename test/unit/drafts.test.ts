import { describe, expect, it } from "vitest";
import { DRAFT_SLACK, DRAFTS_MAX, Drafts, limitState, textLength, type DraftStorage } from "../../public/src/drafts.js";
import { createSchemas } from "../../server/protocol.js";

const memory = (): DraftStorage & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
};

describe("composer drafts", () => {
  it("when drafts are kept per person and conversation, then each comes back only where it was written", () => {
    const storage = memory();
    const drafts = new Drafts(storage, 2000);
    drafts.set("ada", "room:chat", "half a thought");
    drafts.set("ada", "dm:bob", "for Bob");
    drafts.set("eve", "room:chat", "Eve's own");
    expect(drafts.get("ada", "room:chat")).toBe("half a thought");
    expect(drafts.get("ada", "dm:bob")).toBe("for Bob");
    expect(drafts.get("eve", "room:chat")).toBe("Eve's own");
    expect(drafts.get("ada", "room:study")).toBe("");
    // Another page over the same storage (a reload) finds them.
    expect(new Drafts(storage, 2000).get("ada", "dm:bob")).toBe("for Bob");
  });

  it("when a draft is sent or emptied, then it is forgotten, and nothing is kept without a person or a conversation", () => {
    const storage = memory();
    const drafts = new Drafts(storage, 2000);
    drafts.set("ada", "room:chat", "to send");
    drafts.clear("ada", "room:chat");
    expect(drafts.get("ada", "room:chat")).toBe("");
    drafts.set("ada", "room:chat", "x");
    drafts.set("ada", "room:chat", "   \n ");
    expect(drafts.get("ada", "room:chat")).toBe("");
    expect(storage.data.size).toBe(0);
    drafts.set("", "room:chat", "before sign-in");
    expect(storage.data.size).toBe(0);
  });

  it("when more than the most drafts are written, then the least recently written go first", () => {
    let now = 0;
    const drafts = new Drafts(memory(), 2000, () => ++now);
    for (let i = 0; i < DRAFTS_MAX + 5; i++) drafts.set("ada", `room:r${i}`, `draft ${i}`);
    drafts.set("ada", "room:r5", "draft 5, again");
    drafts.set("ada", "room:new", "one more");
    expect(drafts.get("ada", "room:r0")).toBe("");
    expect(drafts.get("ada", "room:r6")).toBe("");
    expect(drafts.get("ada", "room:r5")).toBe("draft 5, again");
    expect(drafts.get("ada", "room:r7")).toBe("draft 7");
    expect(drafts.get("ada", `room:r${DRAFTS_MAX + 4}`)).toBe(`draft ${DRAFTS_MAX + 4}`);
  });

  it("when a draft is far over the limit, then a little over the limit is kept, never half an emoji", () => {
    const drafts = new Drafts(memory(), 10);
    drafts.set("ada", "room:chat", "😀".repeat(10 + DRAFT_SLACK + 50));
    const kept = drafts.get("ada", "room:chat");
    expect(textLength(kept)).toBe(10 + DRAFT_SLACK);
    expect(kept.isWellFormed()).toBe(true);
  });

  it("when storage holds something else or refuses writes, then there are simply no drafts", () => {
    const storage = memory();
    storage.data.set("chat.drafts.v1", "{not json");
    expect(new Drafts(storage, 2000).get("ada", "room:chat")).toBe("");
    storage.data.set("chat.drafts.v1", JSON.stringify([{ user: "ada", channel: "room:chat", text: 5, at: 1 }, "x", null]));
    expect(new Drafts(storage, 2000).get("ada", "room:chat")).toBe("");
    const full: DraftStorage = { getItem: () => null, setItem: () => { throw new Error("QuotaExceededError"); }, removeItem: () => undefined };
    expect(() => new Drafts(full, 2000).set("ada", "room:chat", "hi")).not.toThrow();
  });
});

describe("the text limit, counted as the server counts", () => {
  const server = createSchemas(20).message;
  const accepted = (text: string) => server.safeParse({ room: "chat", text }).success;

  it("when a text has emoji, Chinese characters and surrounding blanks, then its length is what the server checks", () => {
    for (const text of ["😀".repeat(20), "读".repeat(20), `  ${"a".repeat(20)}  \n`, "👍🏽".repeat(10), "😀".repeat(21), "读".repeat(21), "a".repeat(21)]) {
      expect(limitState(text, 20).over, text).toBe(!accepted(text));
    }
    expect(textLength("  😀读a \n")).toBe(3);
  });

  it("when the text nears the limit, then it is near from 90 % and over only past the limit", () => {
    expect(limitState("a".repeat(1799), 2000)).toEqual({ count: 1799, near: false, over: false });
    expect(limitState("a".repeat(1800), 2000)).toEqual({ count: 1800, near: true, over: false });
    expect(limitState("a".repeat(2000), 2000)).toEqual({ count: 2000, near: true, over: false });
    expect(limitState("a".repeat(2001), 2000)).toEqual({ count: 2001, near: true, over: true });
  });
});
