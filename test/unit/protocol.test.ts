import { describe, expect, it } from "vitest";
import { createSchemas, guestNameSchema, emojiSchema, roomSchema } from "../../server/protocol.js";

const schemas = createSchemas(2000);

describe("protocol schemas", () => {
  it("when names use any script, then they are accepted and trimmed", () => {
    for (const name of ["alice", "小明", "José María", "Ünal_x.y-z", "  bob  ", "नमस्ते"]) {
      expect(guestNameSchema.safeParse(name).success, name).toBe(true);
    }
    expect(guestNameSchema.parse("  bob ")).toBe("bob");
  });

  it("when names break the rules, then they are refused", () => {
    for (const name of ["", "   ", "a".repeat(25), "<script>", "a/b", "x\u0000", { $gt: "" }, 42, "\ud800", "①", "½", "Ⅻ", "\u0301", "\u0301\u0301", "_-."]) {
      expect(guestNameSchema.safeParse(name).success, JSON.stringify(name)).toBe(false);
    }
  });

  it("when a name has 24 CJK characters, then it is within the limit", () => {
    expect(guestNameSchema.safeParse("字".repeat(24)).success).toBe(true);
  });

  it("when room names break the rules, then they are refused", () => {
    for (const room of ["chat", "学习", "my-room_2", "٣٤"]) expect(roomSchema.safeParse(room).success).toBe(true);
    for (const room of ["", "has space", "a".repeat(33), "room:x", "<b>", ["chat"], "²", "\u0301", "--"]) {
      expect(roomSchema.safeParse(room).success, JSON.stringify(room)).toBe(false);
    }
  });

  it("when payloads carry operators or unknown fields, then they are refused", () => {
    expect(schemas.message.safeParse({ room: "chat", text: "hi" }).success).toBe(true);
    expect(schemas.message.safeParse({ room: { $gt: "" }, text: "hi" }).success).toBe(false);
    expect(schemas.message.safeParse({ room: "chat", text: "hi", from: { name: "x" } }).success).toBe(false);
    expect(schemas.message.safeParse(JSON.parse('{"room":"chat","text":"hi","__proto__":{"x":1}}')).success).toBe(false);
    expect(schemas.history.safeParse({ with: { $ne: null } }).success).toBe(false);
    expect(schemas.history.safeParse({ room: "chat", before: { $lt: "z" } }).success).toBe(false);
  });

  it("when text is blank or too long, then it is refused", () => {
    expect(schemas.broadcast.safeParse({ text: "   " }).success).toBe(false);
    expect(schemas.broadcast.safeParse({ text: "x".repeat(2001) }).success).toBe(false);
    expect(schemas.broadcast.safeParse({ text: "字".repeat(2000) }).success).toBe(true);
  });

  it("when a message carries attachments, then its text may be empty or absent; ids are 1-10 distinct 24-hex strings", () => {
    const id = (n: number) => n.toString(16).padStart(24, "0");
    expect(schemas.broadcast.parse({ attachments: [id(1)] })).toEqual({ text: "", attachments: [id(1)] });
    expect(schemas.message.safeParse({ room: "chat", text: "  ", attachments: [id(1), id(2)] }).success).toBe(true);
    expect(schemas.privateMessage.safeParse({ toUser: "bob", attachments: [id(1)] }).success).toBe(true);
    expect(schemas.broadcast.safeParse({ attachments: Array.from({ length: 10 }, (_, i) => id(i)) }).success).toBe(true);
    for (const attachments of [[], [id(1), id(1)], Array.from({ length: 11 }, (_, i) => id(i)), ["ABC"], [id(10).toUpperCase()], [{ $gt: "" }], id(1)]) {
      expect(schemas.broadcast.safeParse({ text: "hi", attachments }).success, JSON.stringify(attachments)).toBe(false);
    }
    // Without attachments a text is still needed.
    expect(schemas.broadcast.safeParse({}).success).toBe(false);
    expect(schemas.message.safeParse({ room: "chat", text: "" }).success).toBe(false);
    expect(schemas.privateMessage.safeParse({ to: "sock", text: " " }).success).toBe(false);
    expect(schemas.broadcast.safeParse({ text: "x".repeat(2001), attachments: [id(1)] }).success).toBe(false);
  });

  it("when history has no limit, then the default page size applies", () => {
    expect(schemas.history.parse({ broadcast: true })).toEqual({ broadcast: true, limit: 50 });
    expect(schemas.history.safeParse({ broadcast: true, limit: 101 }).success).toBe(false);
  });

  it("when an emoji is one emoji of at most 16 code units, then it is accepted, and anything else is refused", () => {
    for (const emoji of ["👍", "👍🏽", "🇫🇷", "❤️", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "©️"]) {
      expect(emojiSchema.safeParse(emoji).success, emoji).toBe(true);
    }
    const refused = ["", "a", "👍a", "a👍", "👍.", "$👍", ".", "\u200d", "\ufe0f", "🏽", "1", "\ud83d", "👍".repeat(9), "👍\u0000", { $gt: "" }, 1];
    for (const emoji of refused) expect(emojiSchema.safeParse(emoji).success, JSON.stringify(emoji)).toBe(false);
  });

  it("when an emoji is not exactly one RGI emoji, then it is refused even if made only of emoji characters", () => {
    // A stray joiner or variation selector, two emoji, a lone or a dangling regional indicator, a keycap.
    const refused = ["👍\u200d", "\u200d👍", "👍👍", "👍\ufe0f", "\ufe0f👍", "❤", "🇫", "🇫🇷🇫", "🇫🇷🇩🇪", "👍🏽🏽", "👨\u200d", "1\ufe0f\u20e3"];
    for (const emoji of refused) expect(emojiSchema.safeParse(emoji).success, JSON.stringify(emoji)).toBe(false);
    for (const emoji of ["❤️", "🇩🇪", "👩🏽\u200d🚀", "🧑\u200d🧑\u200d🧒"]) expect(emojiSchema.safeParse(emoji).success, emoji).toBe(true);
  });

  it("when history asks for changes, then changedAfter stands alone and must look like a rev", () => {
    const rev = "0123456789abcdef01234567";
    expect(schemas.history.safeParse({ room: "chat", changedAfter: rev }).success).toBe(true);
    expect(schemas.history.safeParse({ broadcast: true, changedAfter: rev, limit: 100 }).success).toBe(true);
    expect(schemas.history.safeParse({ room: "chat", changedAfter: rev, before: rev }).success).toBe(false);
    expect(schemas.history.safeParse({ room: "chat", changedAfter: rev, after: rev }).success).toBe(false);
    expect(schemas.history.safeParse({ room: "chat", changedAfter: rev.toUpperCase() }).success).toBe(false);
  });
});
