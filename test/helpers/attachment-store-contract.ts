/**
 * The behaviour every AttachmentStore must have: bytes written whole or not
 * at all, read whole or by range; uploads taken by a message all or none,
 * given back, removed with their bytes; unused ones found by age; the bytes
 * stored counted. Run against each backend with
 * `describeAttachmentStoreContract(name, makeStorage)`. Files stay small
 * (GridFS on FerretDB reads slowly).
 */
import { text } from "node:stream/consumers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AttachmentRecord, AttachmentStore } from "../../server/attachments/attachment-store.js";
import type { Storage } from "../../server/storage/storage.js";

const hex = (n: number) => n.toString(16).padStart(24, "0");

const record = (n: number, over: Partial<AttachmentRecord> = {}): AttachmentRecord => ({
  id: hex(n),
  uploader: "aliceAAAAAAAAAAA",
  name: `file ${n}.txt`,
  type: "text/plain; charset=utf-8",
  size: 10,
  hash: `hash${n}`,
  thumb: null,
  createdAt: `2026-12-01T10:00:0${n % 10}.000Z`,
  channel: null,
  claim: null,
  ...over,
});

/** Writes `bytes` as the file part of attachment `r` and records it. */
async function put(store: AttachmentStore, r: AttachmentRecord, bytes = "0123456789", thumb?: string): Promise<void> {
  const w = store.writer(r.id, "file");
  await w.write(Buffer.from(bytes));
  await w.done();
  if (thumb !== undefined) {
    const t = store.writer(r.id, "thumb");
    await t.write(Buffer.from(thumb));
    await t.done();
  }
  await store.create(r);
}

const readAll = (store: AttachmentStore, id: string, part: "file" | "thumb" = "file", range?: { start: number; end: number }) =>
  text(store.read(id, part, range));

export function describeAttachmentStoreContract(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name} attachment store contract`, () => {
    let storage: Storage;
    let store: AttachmentStore;

    beforeEach(async () => {
      storage = await makeStorage();
      await storage.init();
      store = storage.attachments;
    });
    afterEach(async () => {
      await storage.close();
    });

    it("when an attachment is written and recorded, then its record and bytes come back, whole and by range (end exclusive)", async () => {
      const r = record(1, { width: 4, height: 3, thumb: { type: "image/webp", size: 5, hash: "t" }, size: 10 });
      await put(store, r, "0123456789", "thumb");
      expect(await store.get(r.id)).toEqual(r);
      expect(await readAll(store, r.id)).toBe("0123456789");
      expect(await readAll(store, r.id, "file", { start: 2, end: 6 })).toBe("2345");
      expect(await readAll(store, r.id, "file", { start: 9, end: 10 })).toBe("9");
      expect(await readAll(store, r.id, "thumb")).toBe("thumb");
      expect(await store.totalBytes()).toBe(15);
      expect(await store.get(hex(99))).toBeUndefined();
    });

    it("when a write is aborted, then nothing of it can be read and nothing is counted", async () => {
      const w = store.writer(hex(2), "file");
      await w.write(Buffer.from("partial"));
      await w.abort();
      expect(await store.get(hex(2))).toBeUndefined();
      await expect(readAll(store, hex(2))).rejects.toThrow();
      expect(await store.totalBytes()).toBe(0);
    });

    it("when uploads are taken for a message, then all or none are, a retry with the same claim takes them again, and another claim gets none", async () => {
      const [a, b, c] = [record(3), record(4), record(5, { uploader: "bobBBBBBBBBBBBBB" })];
      for (const r of [a, b, c]) await put(store, r);
      // One of them is another person's: none is taken.
      expect(await store.claim([a.id, c.id], a.uploader, "k1", "room:chat")).toBeNull();
      expect((await store.get(a.id))!.claim).toBeNull();
      // Unknown id: none.
      expect(await store.claim([a.id, hex(98)], a.uploader, "k1", "room:chat")).toBeNull();
      const taken = await store.claim([b.id, a.id], a.uploader, "k1", "room:chat");
      expect(taken?.map((r) => [r.id, r.claim, r.channel])).toEqual([
        [b.id, "k1", "room:chat"],
        [a.id, "k1", "room:chat"],
      ]);
      expect(await store.claim([a.id, b.id], a.uploader, "k1", "room:chat")).not.toBeNull();
      expect(await store.claim([a.id], a.uploader, "k2", "room:chat")).toBeNull();
      expect(await store.get(a.id)).toMatchObject({ claim: "k1", channel: "room:chat" });
    });

    it("when two sends race for one upload, then exactly one takes it", async () => {
      const a = record(6);
      await put(store, a);
      const results = await Promise.all([store.claim([a.id], a.uploader, "x", "broadcast"), store.claim([a.id], a.uploader, "y", "broadcast")]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it("when uploads are given back, then only the ones taken with that claim are free again", async () => {
      const [a, b] = [record(7), record(8)];
      for (const r of [a, b]) await put(store, r);
      await store.claim([a.id], a.uploader, "k1", "broadcast");
      await store.claim([b.id], a.uploader, "k2", "broadcast");
      await store.release([a.id, b.id], "k1");
      expect(await store.get(a.id)).toMatchObject({ claim: null, channel: null });
      expect(await store.get(b.id)).toMatchObject({ claim: "k2", channel: "broadcast" });
    });

    it("when attachments are removed, then their records, bytes and thumbnails are gone and no longer counted; unknown ids are skipped", async () => {
      const a = record(9, { thumb: { type: "image/webp", size: 5, hash: "t" } });
      const b = record(10);
      await put(store, a, "0123456789", "thumb");
      await put(store, b);
      await store.remove([a.id, hex(97)]);
      expect(await store.get(a.id)).toBeUndefined();
      await expect(readAll(store, a.id)).rejects.toThrow();
      await expect(readAll(store, a.id, "thumb")).rejects.toThrow();
      expect(await readAll(store, b.id)).toBe("0123456789");
      expect(await store.totalBytes()).toBe(10);
      await store.remove([a.id]);
      expect(await store.totalBytes()).toBe(10);
    });

    it("when uploads are taken, then they are listed as unchecked by the time they were taken until settled; given back ones are not", async () => {
      const [a, b, c] = [record(15), record(16), record(17)];
      for (const r of [a, b, c]) await put(store, r);
      const before = new Date(Date.now() - 1000).toISOString();
      await store.claim([a.id, b.id], a.uploader, "k", "room:chat");
      await store.claim([c.id], a.uploader, "k2", "room:chat");
      await store.release([c.id], "k2");
      expect(await store.unsettledBefore(before, 10)).toEqual([]);
      const later = new Date(Date.now() + 1000).toISOString();
      const listed = await store.unsettledBefore(later, 10);
      expect(listed.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
      expect(listed[0]).toMatchObject({ claim: "k", channel: "room:chat", uploader: a.uploader });
      await store.settle([a.id]);
      expect((await store.unsettledBefore(later, 10)).map((r) => r.id)).toEqual([b.id]);
      // Unused uploads are never listed here.
      expect((await store.unsettledBefore(later, 10)).some((r) => r.id === c.id)).toBe(false);
    });

    it("when unused uploads are listed by age, then only unused ones made before the time come, oldest first, at most the limit", async () => {
      const old1 = record(11, { createdAt: "2026-12-01T09:00:00.000Z" });
      const old2 = record(12, { createdAt: "2026-12-01T08:00:00.000Z" });
      const used = record(13, { createdAt: "2026-12-01T07:00:00.000Z" });
      const recent = record(14, { createdAt: "2026-12-01T11:00:00.000Z" });
      for (const r of [old1, old2, used, recent]) await put(store, r);
      await store.claim([used.id], used.uploader, "k", "room:chat");
      expect(await store.unusedBefore("2026-12-01T10:00:00.000Z", 10)).toEqual([old2.id, old1.id]);
      expect(await store.unusedBefore("2026-12-01T10:00:00.000Z", 1)).toEqual([old2.id]);
    });
  });
}
