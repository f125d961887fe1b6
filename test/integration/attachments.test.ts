import { readdirSync } from "node:fs";
import http from "node:http";
import type { Socket } from "node:net";
import sharp from "sharp";
import mongoose from "mongoose";
import { describe, expect, it } from "vitest";
import type { SqliteAttachmentStore } from "../../server/attachments/sqlite-attachment-store.js";
import type { AckError, Attachment, ChatMessage } from "../../server/protocol.js";
import { api, signUp } from "../helpers/accounts.js";
import { fetchAttachment, hugePngHeader, jpegWithGps, png, streamUpload, upload } from "../helpers/attachments.js";
import { call, connectClient, nextEvent, ok, until, type Client } from "../helpers/client.js";
import { scrape } from "../helpers/metrics.js";
import { startServer } from "../helpers/server.js";
import { PERSISTENT_STORES, STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

type Sent = { message: ChatMessage };
type Refused = { ok: false; error: AckError };

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

describe.each(STORES)("attachments on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({
    env: { ...storeEnv(), RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000", ATTACHMENT_UNUSED_TTL_MS: "60000" },
  }));
  const url = () => env.server.url;
  const connect = (name: string) => connectClient(env.server.url, { name });
  const tokenOf = (c: Client) => c.session.token!;
  const uploadAs = async (c: Client, file: Parameters<typeof upload>[1]): Promise<Attachment> => {
    const res = await upload(url(), file, { token: tokenOf(c) });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.attachment!;
  };

  /** What is stored: unused uploads' rows, the files (SQLite) or GridFS files and chunks (MongoDB), and the bytes counted. */
  const storedThings = async (): Promise<{ records: number; files: number; bytes: number }> => {
    const store = env.server.chat.storage.attachments;
    const bytes = await store.totalBytes();
    if (env.server.chat.storage.kind === "sqlite") {
      const files = readdirSync((store as SqliteAttachmentStore).dir).length;
      const unused = await store.unusedBefore("9999-12-31T00:00:00.000Z", 100_000);
      return { records: unused.length, files, bytes };
    }
    const conn = await mongoose.createConnection(env.server.config.mongodbUri!).asPromise();
    try {
      const db = conn.db!;
      const [records, files, chunks] = await Promise.all([
        db.collection("attachments").countDocuments({ claim: null }),
        db.collection("attachments.files").countDocuments(),
        db.collection("attachments.chunks").countDocuments(),
      ]);
      return { records, files: files + chunks, bytes };
    } finally {
      await conn.close();
    }
  };

  it("when a guest uploads a PNG, then it is answered 201 with its description, and the uploader gets the same pixels back with safe headers", async () => {
    const alice = await connect("alice");
    const source = await png(40, 30);
    const attachment = await uploadAs(alice, { bytes: source, name: "red.png", type: "image/png" });
    expect(attachment).toMatchObject({ name: "red.png", type: "image/png", width: 40, height: 30 });
    expect(attachment.id).toMatch(/^[0-9a-f]{24}$/);

    const got = await fetchAttachment(url(), attachment.id, tokenOf(alice));
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(got.headers.get("cache-control")).toBe("private");
    expect(got.headers.get("content-disposition")).toMatch(/^inline; /);
    expect(got.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(got.headers.get("content-length")).toBe(String(attachment.size));
    expect(got.bytes.length).toBe(attachment.size);
    const meta = await sharp(got.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 40, 30]);

    const thumb = await fetchAttachment(url(), `${attachment.id}/thumb`, tokenOf(alice));
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    expect(thumb.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    const thumbMeta = await sharp(thumb.bytes).metadata();
    expect(thumbMeta.format).toBe("webp");
  });

  it("when a large image is uploaded, then its thumbnail is at most 320 pixels on its longer side", async () => {
    const alice = await connect("alice");
    const attachment = await uploadAs(alice, { bytes: await png(1000, 500), name: "wide.png" });
    const thumb = await fetchAttachment(url(), `${attachment.id}/thumb`, tokenOf(alice));
    const meta = await sharp(thumb.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([320, 160]);
  });

  it("when a GIF (animated too) and a WebP are uploaded, then they stay in their format with their size and get a WebP thumbnail", async () => {
    const alice = await connect("alice");
    const frame = (r: number) => sharp({ create: { width: 30, height: 20, channels: 4, background: { r, g: 0, b: 0, alpha: 1 } } }).png().toBuffer();
    const animated = await sharp([await frame(255), await frame(0)], { join: { animated: true } }).gif().toBuffer();
    const gif = await uploadAs(alice, { bytes: animated, name: "blink.gif" });
    expect(gif).toMatchObject({ type: "image/gif", width: 30, height: 20 });
    const stored = await fetchAttachment(url(), gif.id, tokenOf(alice));
    expect((await sharp(stored.bytes, { animated: true }).metadata()).pages).toBe(2);
    const webpSource = await sharp({ create: { width: 50, height: 60, channels: 3, background: "green" } }).webp().toBuffer();
    const webp = await uploadAs(alice, { bytes: webpSource, name: "leaf.webp" });
    expect(webp).toMatchObject({ type: "image/webp", width: 50, height: 60 });
    for (const a of [gif, webp]) {
      const thumb = await fetchAttachment(url(), `${a.id}/thumb`, tokenOf(alice));
      expect([thumb.status, thumb.headers.get("content-type")]).toEqual([200, "image/webp"]);
    }
  });

  it("when a JPEG with GPS coordinates and a sideways orientation is uploaded, then it is stored upright without any EXIF", async () => {
    const alice = await connect("alice");
    const source = await jpegWithGps(64, 32);
    const before = await sharp(source).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif?.includes(Buffer.from("SecretCam"))).toBe(true);
    // The GPS IFD: latitude 51° 30′ as rationals (51/1, 30/1) in the EXIF block.
    expect(before.exif?.includes(Buffer.from([0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0, 30, 0, 0, 0, 1]))).toBe(true);

    const attachment = await uploadAs(alice, { bytes: source, name: "holiday.jpg", type: "image/jpeg" });
    // Orientation 6 turns it a quarter: 64 × 32 becomes 32 × 64.
    expect(attachment).toMatchObject({ type: "image/jpeg", width: 32, height: 64 });
    const got = await fetchAttachment(url(), attachment.id, tokenOf(alice));
    const after = await sharp(got.bytes).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    expect([after.width, after.height]).toEqual([32, 64]);
    expect(got.bytes.includes(Buffer.from("SecretCam"))).toBe(false);
    expect(got.bytes.includes(Buffer.from([0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0, 30, 0, 0, 0, 1]))).toBe(false);
  });

  it("when a file's content is HTML, SVG or XML, then it is refused 415 whatever its name and declared type, and nothing is kept", async () => {
    const alice = await connect("alice");
    const before = await storedThings();
    const hostile = [
      { bytes: "<!doctype html><script>alert(1)</script>", name: "cat.png", type: "image/png" },
      { bytes: "  \n<html><body onload=alert(1)>", name: "notes.txt", type: "text/plain" },
      { bytes: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', name: "icon.png", type: "image/png" },
      { bytes: '<?xml version="1.0"?><root/>', name: "data.txt", type: "text/plain" },
      { bytes: "\u{feff}<html></html>", name: "bom.txt", type: "text/plain" },
    ];
    for (const file of hostile) {
      const res = await upload(url(), file, { token: tokenOf(alice) });
      expect(res.status, file.name).toBe(415);
      expect(res.json).toMatchObject({ error: { code: "INVALID_INPUT" } });
    }
    // Binary that is neither an allowed type nor text, and a file with control characters.
    for (const bytes of [Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]), Buffer.from("hello\u0000world")]) {
      expect((await upload(url(), { bytes, name: "x.txt" }, { token: tokenOf(alice) })).status).toBe(415);
    }
    expect(await storedThings()).toEqual(before);
  });

  it("when an image claims more than 50 megapixels, then it is refused 415 before it is decoded", async () => {
    const alice = await connect("alice");
    const res = await upload(url(), { bytes: hugePngHeader(10_000, 10_000), name: "bomb.png" }, { token: tokenOf(alice) });
    expect(res.status).toBe(415);
    expect((res.json as { error: AckError }).error.message).toMatch(/pixel limit/);
  });

  it("when plain text and a PDF are uploaded, then they are served byte for byte as attachments with an encoded file name, and have no thumbnail", async () => {
    const alice = await connect("alice");
    const text = "第一行\r\nsecond line\twith a tab\f\n";
    const note = await uploadAs(alice, { bytes: text, name: "笔记 (final).txt", type: "application/octet-stream" });
    expect(note).toEqual({ id: note.id, name: "笔记 (final).txt", type: "text/plain; charset=utf-8", size: Buffer.byteLength(text) });
    const got = await fetchAttachment(url(), note.id, tokenOf(alice));
    expect(got.bytes.toString("utf8")).toBe(text);
    expect(got.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(got.headers.get("content-disposition")).toBe(
      `attachment; filename="__ (final).txt"; filename*=UTF-8''%E7%AC%94%E8%AE%B0%20%28final%29.txt`,
    );
    expect((await fetchAttachment(url(), `${note.id}/thumb`, tokenOf(alice))).status).toBe(404);

    const pdf = await uploadAs(alice, { bytes: PDF, name: "../../etc/report.pdf", type: "text/html" });
    expect(pdf).toMatchObject({ name: "report.pdf", type: "application/pdf", size: PDF.length });
    const gotPdf = await fetchAttachment(url(), pdf.id, tokenOf(alice));
    expect(gotPdf.bytes.equals(PDF)).toBe(true);
    expect(gotPdf.headers.get("content-disposition")).toMatch(/^attachment; filename="report.pdf"/);
  });

  it("when an upload is empty, has no file part, is not multipart, or comes without a good identity or from another site, then it is refused with the right status", async () => {
    const alice = await connect("alice");
    const token = tokenOf(alice);
    const empty = await upload(url(), { bytes: "", name: "empty.txt" }, { token });
    expect([empty.status, empty.json]).toEqual([400, { error: { code: "INVALID_INPUT", message: "the file is empty" } }]);
    expect((await upload(url(), { bytes: "hi", field: "other" }, { token })).status).toBe(400);
    const json = await fetch(`${url()}/api/attachments`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    const anonymous = await upload(url(), { bytes: "hello" });
    expect([anonymous.status, (anonymous.json as { error: AckError }).error.code]).toEqual([401, "UNAUTHORIZED"]);
    expect((await upload(url(), { bytes: "hello" }, { token: `${token}x` })).status).toBe(401);
    expect((await upload(url(), { bytes: "hello" }, { token: "not a token" })).status).toBe(401);
    const crossSite = await upload(url(), { bytes: "hello" }, { token, origin: "https://evil.example" });
    expect([crossSite.status, (crossSite.json as { error: AckError }).error.code]).toEqual([403, "FORBIDDEN"]);
    // The page's own origin is fine.
    expect((await upload(url(), { bytes: "hello" }, { token, origin: url() })).status).toBe(201);
  });

  it("when a thousand fields or a second file come before the file, then the answer is 400 at once and nothing is kept", async () => {
    const alice = await connect("alice");
    const before = await storedThings();
    const fields = new FormData();
    for (let i = 0; i < 1000; i++) fields.append(`f${i}`, "x".repeat(100));
    fields.append("file", new Blob([Buffer.from("hello")]), "a.txt");
    const twoFirst = new FormData();
    twoFirst.append("other", new Blob([Buffer.from("one")]), "one.txt");
    twoFirst.append("other2", new Blob([Buffer.from("two")]), "two.txt");
    twoFirst.append("file", new Blob([Buffer.from("hello")]), "a.txt");
    for (const body of [fields, twoFirst]) {
      const res = await fetch(`${url()}/api/attachments`, {
        method: "POST",
        headers: { Authorization: `Bearer ${tokenOf(alice)}` },
        body,
        signal: AbortSignal.timeout(5000),
      });
      expect([res.status, ((await res.json()) as { error: AckError }).error.code]).toEqual([400, "INVALID_INPUT"]);
    }
    expect(await storedThings()).toEqual(before);
  });

  it("when a signed-in browser uploads with its session cookie from the page's origin, then its cookie alone fetches the file, as does its account token", async () => {
    const account = await signUp(url());
    const cookie = `chat_session=${account.token}`;
    const res = await upload(url(), { bytes: await png(), name: "mine.png" }, { cookie, origin: url() });
    expect(res.status).toBe(201);
    const id = res.attachment!.id;
    const byCookie = await fetch(`${url()}/api/attachments/${id}/thumb`, { headers: { Cookie: cookie } });
    expect(byCookie.status).toBe(200);
    expect((await fetchAttachment(url(), id, account.token)).status).toBe(200);
    const guest = await connect("guest");
    expect((await fetchAttachment(url(), id, tokenOf(guest))).status).toBe(404);
    // A cookie whose session has ended is nobody.
    await api(url(), "/api/session", { method: "DELETE", cookie });
    expect((await fetch(`${url()}/api/attachments/${id}`, { headers: { Cookie: cookie } })).status).toBe(404);
    expect((await upload(url(), { bytes: "x" }, { cookie })).status).toBe(401);
  });

  it("when someone other than the uploader asks for an unused upload, then the answer is the same 404 as for an id that does not exist", async () => {
    const alice = await connect("alice");
    const mallory = await connect("mallory");
    const attachment = await uploadAs(alice, { bytes: await png(), name: "private.png" });
    const theirs = await fetchAttachment(url(), attachment.id, tokenOf(mallory));
    const missing = await fetchAttachment(url(), "0123456789abcdef01234567", tokenOf(mallory));
    const nobody = await fetchAttachment(url(), attachment.id);
    const malformed = await fetchAttachment(url(), "..%2F..%2Fchat.db", tokenOf(alice));
    for (const answer of [theirs, missing, nobody, malformed]) {
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ error: { code: "NOT_FOUND", message: "no such attachment" } });
      expect(answer.headers.get("etag")).toBeNull();
    }
    expect((await fetchAttachment(url(), `${attachment.id}/thumb`, tokenOf(mallory))).status).toBe(404);
  });

  it("when a Range or If-None-Match is sent, then 206 with Content-Range, 416 past the end, and 304 for the current ETag", async () => {
    const alice = await connect("alice");
    const text = "0123456789abcdefghij";
    const a = await uploadAs(alice, { bytes: text, name: "digits.txt" });
    const token = tokenOf(alice);
    const part = await fetchAttachment(url(), a.id, token, { Range: "bytes=2-5" });
    expect([part.status, part.bytes.toString(), part.headers.get("content-range"), part.headers.get("content-length")]).toEqual([
      206,
      "2345",
      "bytes 2-5/20",
      "4",
    ]);
    const open = await fetchAttachment(url(), a.id, token, { Range: "bytes=15-" });
    expect([open.status, open.bytes.toString(), open.headers.get("content-range")]).toEqual([206, "fghij", "bytes 15-19/20"]);
    const suffix = await fetchAttachment(url(), a.id, token, { Range: "bytes=-3" });
    expect([suffix.status, suffix.bytes.toString()]).toEqual([206, "hij"]);
    const past = await fetchAttachment(url(), a.id, token, { Range: "bytes=20-30" });
    expect([past.status, past.headers.get("content-range")]).toEqual([416, "bytes */20"]);
    // Several ranges: the whole file.
    const several = await fetchAttachment(url(), a.id, token, { Range: "bytes=0-1,4-5" });
    expect([several.status, several.bytes.toString()]).toEqual([200, text]);

    const etag = (await fetchAttachment(url(), a.id, token)).headers.get("etag")!;
    const cached = await fetchAttachment(url(), a.id, token, { "If-None-Match": etag });
    expect([cached.status, cached.bytes.length, cached.headers.get("etag")]).toEqual([304, 0, etag]);
    expect((await fetchAttachment(url(), a.id, token, { "If-None-Match": '"other"' })).status).toBe(200);
    // The ETag is the content's: the same bytes uploaded again have the same one.
    const again = await uploadAs(alice, { bytes: text, name: "copy.txt" });
    expect((await fetchAttachment(url(), again.id, token)).headers.get("etag")).toBe(etag);
  });

  it("when a room message carries attachments, then everyone gets their descriptions and any identified person can fetch them; text may be empty", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    await ok(alice.socket, "join", "chat");
    await ok(bob.socket, "join", "chat");
    const image = await uploadAs(alice, { bytes: await png(), name: "a.png" });
    const note = await uploadAs(alice, { bytes: "notes", name: "n.txt" });

    const atBob = nextEvent(bob.socket, "message", (m) => m.attachments !== undefined);
    const { message } = await ok<Sent>(alice.socket, "message", { room: "chat", attachments: [image.id, note.id], clientId: "with-files-1" });
    expect(message.text).toBe("");
    expect(message.attachments).toEqual([image, note]);
    expect(await atBob).toEqual(message);
    // Carol is not in the room: a room is public to every identified person.
    expect((await fetchAttachment(url(), image.id, tokenOf(carol))).status).toBe(200);
    expect((await fetchAttachment(url(), `${image.id}/thumb`, tokenOf(bob))).status).toBe(200);
    expect((await fetchAttachment(url(), note.id)).status).toBe(404);

    // A retry with the same clientId acks the original.
    const retry = await ok<Sent>(alice.socket, "message", { room: "chat", attachments: [image.id, note.id], clientId: "with-files-1" });
    expect(retry.message).toEqual(message);
    // Used uploads cannot go into another message.
    const reuse = (await call(alice.socket, "message", { room: "chat", text: "again", attachments: [image.id] })) as Refused;
    expect(reuse.error.code).toBe("NOT_FOUND");
    const history = await ok<{ messages: ChatMessage[] }>(bob.socket, "history", { room: "chat" });
    expect(history.messages.filter((m) => m.attachments)).toEqual([message]);

    const broadcastFile = await uploadAs(alice, { bytes: PDF, name: "all.pdf" });
    const { message: everyone } = await ok<Sent>(alice.socket, "broadcast", { text: "for all", attachments: [broadcastFile.id] });
    expect(everyone.attachments).toEqual([broadcastFile]);
    expect((await fetchAttachment(url(), broadcastFile.id, tokenOf(carol))).status).toBe(200);
  });

  it("when attachments are malformed, too many, repeated, or not the sender's unused uploads, then the send is refused and nothing is stored", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    await ok(alice.socket, "join", "chat");
    const bobs = await uploadAs(bob, { bytes: "bob's", name: "b.txt" });
    const mine = await uploadAs(alice, { bytes: "mine", name: "m.txt" });
    const code = async (payload: Record<string, unknown>) => ((await call(alice.socket, "message", { room: "chat", ...payload })) as Refused).error?.code;
    expect(await code({ attachments: [] })).toBe("INVALID_INPUT");
    expect(await code({ attachments: [mine.id, mine.id] })).toBe("INVALID_INPUT");
    expect(await code({ attachments: Array.from({ length: 11 }, (_, i) => i.toString(16).padStart(24, "0")) })).toBe("INVALID_INPUT");
    expect(await code({ attachments: ["../../x"] })).toBe("INVALID_INPUT");
    expect(await code({ attachments: [{ $gt: "" }] })).toBe("INVALID_INPUT");
    expect(await code({ text: "" })).toBe("INVALID_INPUT");
    expect(await code({})).toBe("INVALID_INPUT");
    expect(await code({ attachments: [bobs.id] })).toBe("NOT_FOUND");
    expect(await code({ attachments: [mine.id, bobs.id] })).toBe("NOT_FOUND");
    expect(await code({ attachments: ["0123456789abcdef01234567"] })).toBe("NOT_FOUND");
    // All or none: `mine` was not taken by the refused send.
    const { message } = await ok<Sent>(alice.socket, "message", { room: "chat", text: "now", attachments: [mine.id] });
    expect(message.attachments).toEqual([mine]);
    // Bob's upload is still only Bob's.
    expect((await fetchAttachment(url(), bobs.id, tokenOf(alice))).status).toBe(404);
  });

  it("when a private message carries an attachment, then only its two people can fetch it", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const mallory = await connect("mallory");
    const file = await uploadAs(alice, { bytes: await png(), name: "for-bob.png" });
    const { message } = await ok<Sent>(alice.socket, "private message", { toUser: bob.session.userId, text: "look", attachments: [file.id] });
    expect(message.attachments).toEqual([file]);
    expect((await fetchAttachment(url(), file.id, tokenOf(alice))).status).toBe(200);
    expect((await fetchAttachment(url(), file.id, tokenOf(bob))).status).toBe(200);
    expect((await fetchAttachment(url(), `${file.id}/thumb`, tokenOf(bob))).status).toBe(200);
    const theirs = await fetchAttachment(url(), file.id, tokenOf(mallory));
    const missing = await fetchAttachment(url(), "fedcba9876543210fedcba98", tokenOf(mallory));
    expect([theirs.status, theirs.json]).toEqual([missing.status, missing.json]);
    expect((await fetchAttachment(url(), `${file.id}/thumb`, tokenOf(mallory))).status).toBe(404);
  });

  it("when a message with attachments is deleted, then its tombstone has none and their bytes are gone", async () => {
    const alice = await connect("alice");
    await ok(alice.socket, "join", "chat");
    const before = await storedThings();
    const image = await uploadAs(alice, { bytes: await png(), name: "gone.png" });
    const note = await uploadAs(alice, { bytes: "bye", name: "gone.txt" });
    const { message } = await ok<Sent>(alice.socket, "message", { room: "chat", text: "soon gone", attachments: [image.id, note.id] });
    expect((await storedThings()).bytes).toBeGreaterThan(before.bytes);
    const { message: tombstone } = await ok<Sent>(alice.socket, "delete", { id: message.id });
    expect(tombstone.deletedAt).toBeDefined();
    expect(tombstone.attachments).toBeUndefined();
    for (const id of [image.id, note.id, `${image.id}/thumb`]) expect((await fetchAttachment(url(), id, tokenOf(alice))).status).toBe(404);
    expect(await storedThings()).toEqual(before);
    const history = await ok<{ messages: ChatMessage[] }>(alice.socket, "history", { room: "chat", changedAfter: "0".repeat(24) });
    expect(history.messages.find((m) => m.id === message.id)?.attachments).toBeUndefined();
  });

  it("when uploads stay unused past their time, then the sweep removes them and leaves the ones messages carry", async () => {
    const alice = await connect("alice");
    await ok(alice.socket, "join", "chat");
    const service = env.server.chat.attachments;
    // What earlier tests left unused goes first.
    await service.sweep(Date.now() + 61_000);
    const before = await storedThings();
    const unused = await uploadAs(alice, { bytes: await png(), name: "forgotten.png" });
    const used = await uploadAs(alice, { bytes: "kept", name: "kept.txt" });
    await ok<Sent>(alice.socket, "message", { room: "chat", attachments: [used.id] });
    // Nothing is old enough yet.
    expect(await service.sweep()).toBe(0);
    // More than the test's TTL (a minute) later.
    expect(await service.sweep(Date.now() + 61_000)).toBe(1);
    expect((await fetchAttachment(url(), unused.id, tokenOf(alice))).status).toBe(404);
    expect((await fetchAttachment(url(), used.id, tokenOf(alice))).status).toBe(200);
    const after = await storedThings();
    expect(after.bytes).toBe(before.bytes + used.size);
    const sent = (await call(alice.socket, "message", { room: "chat", attachments: [unused.id] })) as Refused;
    expect(sent.error.code).toBe("NOT_FOUND");
  });

  it("when a send took uploads but its message was never stored, then the sweep removes them an hour later, and keeps those of stored messages", async () => {
    const alice = await connect("alice");
    await ok(alice.socket, "join", "chat");
    const service = env.server.chat.attachments;
    await service.sweep(Date.now() + 61_000);
    const lost = await uploadAs(alice, { bytes: "lost", name: "lost.txt" });
    const sent = await uploadAs(alice, { bytes: "sent", name: "sent.txt" });
    // What a send that failed, and could not give its uploads back, leaves behind.
    await service.claim(alice.session.userId, [lost.id], "send-that-failed", "room:chat");
    // A message without clientId: the sweep finds it by the key its uploads were taken under.
    const { message } = await ok<Sent>(alice.socket, "message", { room: "chat", attachments: [sent.id] });
    expect(message.clientId).toBeUndefined();
    expect(await service.sweep()).toBe(0);
    expect(await service.sweep(Date.now() + 61_000)).toBe(1);
    expect((await fetchAttachment(url(), lost.id, tokenOf(alice))).status).toBe(404);
    expect((await fetchAttachment(url(), sent.id, tokenOf(alice))).status).toBe(200);
    // Checked once: nothing is left to check.
    expect(await env.server.chat.storage.attachments.unsettledBefore(new Date(Date.now() + 61_000).toISOString(), 10)).toEqual([]);
  });

  it("when an upload goes over MAX_UPLOAD_BYTES, then it is answered 413 long before its 50 MB are sent, and nothing is kept", async () => {
    const alice = await connect("alice");
    const before = await storedThings();
    // How much the server read of each connection, once it is closed.
    const reads: number[] = [];
    const onConnection = (socket: Socket) => socket.once("close", () => reads.push(socket.bytesRead));
    env.server.chat.httpServer.on("connection", onConnection);
    try {
      const big = streamUpload(url(), tokenOf(alice), 50 * 1024 * 1024);
      const answer = await big.done;
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "INVALID_INPUT" } });
      // The client had sent far less than 50 MB when the answer came (the limit, plus what sockets buffer on the way)…
      expect(answer.written).toBeLessThan(32 * 1024 * 1024);
      // …and the server read the limit (10 MB) and little more, then closed the connection.
      await until(() => reads.length === 1, 5000);
      expect(reads[0]).toBeGreaterThan(10 * 1024 * 1024);
      expect(reads[0]).toBeLessThan(12 * 1024 * 1024);
    } finally {
      env.server.chat.httpServer.off("connection", onConnection);
    }
    await until(async () => JSON.stringify(await storedThings()) === JSON.stringify(before));
    // A declared length over the limit is refused before the body is sent at all.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${url()}/api/attachments`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${tokenOf(alice)}`,
          "Content-Type": "multipart/form-data; boundary=x",
          "Content-Length": String(11 * 1024 * 1024),
        },
      });
      req.on("response", (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(declared).toBe(413);
    expect(await storedThings()).toEqual(before);
  });

  it("when a small file is followed by a huge second part, then the file is stored and the rest is not read", async () => {
    const alice = await connect("alice");
    const reads: number[] = [];
    const onConnection = (socket: Socket) => socket.once("close", () => reads.push(socket.bytesRead));
    env.server.chat.httpServer.on("connection", onConnection);
    try {
      const upload = streamUpload(url(), tokenOf(alice), 50 * 1024 * 1024, { firstFile: "the real file" });
      const answer = await upload.done;
      expect(answer.status).toBe(201);
      const { attachment } = JSON.parse(answer.body) as { attachment: Attachment };
      expect(attachment).toMatchObject({ name: "small.txt", size: 13, type: "text/plain; charset=utf-8" });
      await until(() => reads.length === 1, 5000);
      expect(reads[0]).toBeLessThan(4 * 1024 * 1024);
    } finally {
      env.server.chat.httpServer.off("connection", onConnection);
    }
  });

  it("when a person has three uploads in progress, then a fourth is refused 429 RATE_LIMITED, and another person may still upload", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const before = await storedThings();
    const slow = [1, 2, 3].map(() => streamUpload(url(), tokenOf(alice), 1024 * 1024, { chunk: 1024, stopAfter: 8 * 1024 }));
    await until(() => slow.every((s) => s.written() >= 8 * 1024));
    await new Promise((r) => setTimeout(r, 200));
    const fourth = await upload(url(), { bytes: "one more" }, { token: tokenOf(alice) });
    expect([fourth.status, (fourth.json as { error: AckError }).error.code]).toEqual([429, "RATE_LIMITED"]);
    expect((await upload(url(), { bytes: "bob's" }, { token: tokenOf(bob) })).status).toBe(201);
    const bobsBytes = (await storedThings()).bytes - before.bytes;
    for (const s of slow) {
      s.abort();
      await s.done.catch(() => undefined);
    }
    // Cut-off uploads leave nothing behind, and give their slots back.
    await until(async () => {
      const now = await storedThings();
      return now.bytes === before.bytes + bobsBytes && (env.server.chat.storage.kind === "mongo" || now.files === before.files + 1);
    });
    expect((await upload(url(), { bytes: "after" }, { token: tokenOf(alice) })).status).toBe(201);
  });

  it("when uploads are stored and refused, then /metrics counts them by result and reports the bytes stored", async () => {
    const alice = await connect("alice");
    const before = await scrape(url());
    const stored = await uploadAs(alice, { bytes: "count me", name: "c.txt" });
    await upload(url(), { bytes: "<html>", name: "c.html" }, { token: tokenOf(alice) });
    const after = await scrape(url());
    expect(after.value("chat_attachment_uploads_total", { result: "stored" })).toBe(
      before.value("chat_attachment_uploads_total", { result: "stored" }) + 1,
    );
    expect(after.value("chat_attachment_uploads_total", { result: "unsupported" })).toBe(
      before.value("chat_attachment_uploads_total", { result: "unsupported" }) + 1,
    );
    expect(after.value("chat_attachment_bytes")).toBe(before.value("chat_attachment_bytes") + stored.size);
  });
});

describe.each(PERSISTENT_STORES)("attachments across a restart on the %s", (_store, storeEnv) => {
  it("when the server stops and starts again on the same storage, then a sent attachment is still served, byte for byte, and its message still carries it", async () => {
    const env = { ...storeEnv(), RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" };
    let server = await startServer({ env });
    try {
      const alice = await connectClient(server.url, { name: "alice" });
      await ok(alice.socket, "join", "chat");
      const source = await png(20, 10);
      const res = await upload(server.url, { bytes: source, name: "kept.png" }, { token: alice.session.token! });
      const attachment = res.attachment!;
      const { message } = await ok<Sent>(alice.socket, "message", { room: "chat", text: "before", attachments: [attachment.id] });
      const before = await fetchAttachment(server.url, attachment.id, alice.session.token!);
      alice.socket.disconnect();
      await server.close();

      server = await startServer({ env });
      const again = await connectClient(server.url, { name: "alice", token: alice.session.token! });
      const history = await ok<{ messages: ChatMessage[] }>(again.socket, "history", { room: "chat" });
      expect(history.messages.find((m) => m.id === message.id)?.attachments).toEqual([attachment]);
      const after = await fetchAttachment(server.url, attachment.id, alice.session.token!);
      expect(after.status).toBe(200);
      expect(after.bytes.equals(before.bytes)).toBe(true);
      expect(after.headers.get("etag")).toBe(before.headers.get("etag"));
    } finally {
      await server.close();
    }
  });
});
