import { describe, expect, it } from "vitest";
import { canRead, readableChannel, readersAmong, searchableChannels } from "../../server/channels/access.js";
import { AppError } from "../../server/errors.js";

const ann = { userId: "ann", name: "Ann", socketId: "s1" };
const ben = { userId: "ben", name: "Ben", socketId: "s2" };
const exists = async (name: string) => name === "chat";

describe("who may read a channel", () => {
  it("when a viewer names a conversation with someone, then it is always their own, whoever asks", async () => {
    expect(await readableChannel("ann", { with: "ben" }, exists)).toBe("dm:ann:ben");
    expect(await readableChannel("ben", { with: "ann" }, exists)).toBe("dm:ann:ben");
    // A third person naming either side reaches only their own conversation with that side.
    expect(await readableChannel("cat", { with: "ann" }, exists)).toBe("dm:ann:cat");
  });

  it("when a viewer names a room, then it must exist", async () => {
    expect(await readableChannel("ann", { room: "chat" }, exists)).toBe("room:chat");
    await expect(readableChannel("ann", { room: "nowhere" }, exists)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(readableChannel("ann", { room: "nowhere" }, exists)).rejects.toBeInstanceOf(AppError);
  });

  it("when broadcasts are named, then they are everyone's", async () => {
    expect(await readableChannel("ann", { broadcast: true }, exists)).toBe("broadcast");
  });

  it("when a private message is checked, then only its two people may read it; room messages and broadcasts anyone", () => {
    const dm = { kind: "private" as const, from: ann, to: ben };
    expect(canRead("ann", dm)).toBe(true);
    expect(canRead("ben", dm)).toBe(true);
    expect(canRead("cat", dm)).toBe(false);
    expect(canRead("cat", { kind: "room", from: ann })).toBe(true);
    expect(canRead("cat", { kind: "broadcast", from: ann })).toBe(true);
  });

  it("when people are mentioned, then only those who may read the message are kept", () => {
    expect(readersAmong({ kind: "private", from: ann, to: ben }, ["ben", "cat", "ann"])).toEqual(["ben", "ann"]);
    expect(readersAmong({ kind: "room", from: ann }, ["ben", "cat"])).toEqual(["ben", "cat"]);
  });

  it("when nothing narrows a search, then it covers the rooms, broadcasts and the viewer's own conversations only", () => {
    expect(searchableChannels(["chat", "study"], ["dm:ann:ben"])).toEqual(["room:chat", "room:study", "broadcast", "dm:ann:ben"]);
  });
});
