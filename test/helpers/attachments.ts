/** Uploading and fetching attachments over HTTP, and small files to upload (made here, with sharp). */
import http from "node:http";
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import type { Attachment } from "../../server/protocol.js";

export type Fetched = { status: number; headers: Headers; bytes: Buffer; json: unknown };

/** Sends one multipart upload the way a browser's FormData does. */
export async function upload(
  url: string,
  file: { bytes: Uint8Array | string; name?: string; type?: string; field?: string },
  req: { token?: string; cookie?: string; origin?: string } = {},
): Promise<Fetched & { attachment?: Attachment }> {
  const form = new FormData();
  const bytes = typeof file.bytes === "string" ? Buffer.from(file.bytes) : file.bytes;
  form.append(file.field ?? "file", new Blob([new Uint8Array(bytes)], { type: file.type ?? "application/octet-stream" }), file.name ?? "file.bin");
  const headers: Record<string, string> = {};
  if (req.token !== undefined) headers.Authorization = `Bearer ${req.token}`;
  if (req.cookie !== undefined) headers.Cookie = req.cookie;
  if (req.origin !== undefined) headers.Origin = req.origin;
  const res = await fetch(`${url}/api/attachments`, { method: "POST", body: form, headers });
  const got = await read(res);
  const attachment = (got.json as { attachment?: Attachment } | undefined)?.attachment;
  return { ...got, ...(attachment ? { attachment } : {}) };
}

/** GET (or HEAD) under /api/attachments with a token and any headers. */
export async function fetchAttachment(url: string, path: string, token?: string, headers: Record<string, string> = {}, method = "GET"): Promise<Fetched> {
  const res = await fetch(`${url}/api/attachments/${path}`, {
    method,
    headers: { ...headers, ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}) },
  });
  return read(res);
}

async function read(res: Response): Promise<Fetched> {
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

/** A solid-colour PNG. */
export function png(width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toBuffer();
}

/** A JPEG carrying GPS coordinates and a camera name in its EXIF, stored sideways (orientation 6: turn 90° clockwise). */
export function jpegWithGps(width = 64, height = 32): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: "SecretCam", Model: "Spy 3000" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 30/1 0/1", GPSLongitudeRef: "W", GPSLongitude: "0/1 7/1 0/1" },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A small PNG whose header claims `width` × `height` pixels (its pixel data is one short row): a decompression bomb's shape. */
export function hugePngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(64))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * Sends a multipart upload of `total` bytes of a file in chunks, as fast as
 * the server reads them, and stops writing once the answer comes. Resolves
 * with the answer and how many bytes had been written by then.
 */
export function streamUpload(
  url: string,
  token: string,
  total: number,
  options: {
    chunk?: number;
    pauseMs?: number;
    stopAfter?: number;
    /** A small complete `file` part sent first; the big part then follows as a part named `extra`. */
    firstFile?: string;
  } = {},
): { done: Promise<{ status: number; body: string; written: number }>; written: () => number; abort: () => void } {
  const boundary = `----attach${Date.now()}`;
  const first =
    options.firstFile === undefined
      ? ""
      : `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="small.txt"\r\nContent-Type: text/plain\r\n\r\n${options.firstFile}\r\n`;
  const bigName = options.firstFile === undefined ? "file" : "extra";
  const head = Buffer.from(
    `${first}--${boundary}\r\nContent-Disposition: form-data; name="${bigName}"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const target = new URL(`${url}/api/attachments`);
  const chunk = Buffer.alloc(options.chunk ?? 64 * 1024, 0x61);
  let written = 0;
  let answered = false;
  const req = http.request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": `multipart/form-data; boundary=${boundary}`,
      "Transfer-Encoding": "chunked",
    },
  });
  const done = new Promise<{ status: number; body: string; written: number }>((resolve, reject) => {
    req.on("response", (res) => {
      answered = true;
      const at = written;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, written: at }));
      res.on("error", () => resolve({ status: res.statusCode ?? 0, body, written: at }));
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
  });
  const pump = async () => {
    req.write(head);
    while (written < total && !answered && !req.destroyed) {
      if (options.stopAfter !== undefined && written >= options.stopAfter) {
        // Hold the upload open (an upload in progress), until aborted.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const ok = req.write(chunk);
      written += chunk.length;
      if (!ok) await new Promise<void>((r) => req.once("drain", () => r()));
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
    if (!answered && !req.destroyed) req.end(tail);
  };
  req.on("error", () => undefined);
  void pump().catch(() => undefined);
  return { done, written: () => written, abort: () => req.destroy() };
}
