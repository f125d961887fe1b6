/**
 * The behaviour every RoomStore must have. Run against each backend with
 * `describeRoomStoreContract(name, makeStorage)`: each test opens a fresh
 * Storage, uses its `rooms` store and closes it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RoomStore } from "../../server/rooms/room-store.js";
import type { Storage } from "../../server/storage/storage.js";

export function describeRoomStoreContract(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name} room store contract`, () => {
    let storage: Storage;
    let rooms: RoomStore;

    beforeEach(async () => {
      storage = await makeStorage();
      await storage.init();
      rooms = storage.rooms;
    });
    afterEach(async () => {
      await storage.close();
    });

    it("when nothing was added, then no room is listed", async () => {
      expect(await rooms.list()).toEqual([]);
    });

    it("when rooms are added twice, then they are listed once, in creation order", async () => {
      await rooms.add("zeta");
      await rooms.add("alpha");
      await rooms.add("zeta");
      expect(await rooms.list()).toEqual(["zeta", "alpha"]);
    });

    it("when 20 first joins of a new room add it at once, then every add succeeds and it is listed once", async () => {
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => rooms.add("race")));
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect(await rooms.list()).toEqual(["race"]);
    });

    it("when rooms differ only in case or script, then each is its own room", async () => {
      await rooms.add("Study");
      await rooms.add("study");
      await rooms.add("书房");
      expect([...(await rooms.list())].sort()).toEqual(["Study", "study", "书房"].sort());
    });
  });
}
