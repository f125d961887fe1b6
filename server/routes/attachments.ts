/**
 * The attachment routes (protocol v1.2, docs/protocol.md "Attachments"):
 *
 * - `POST /api/attachments`: one multipart `file`, read as it arrives
 *   (busboy) and handed to the AttachmentService chunk by chunk; an upload
 *   over the limit is answered 413 as soon as it crosses it, and the
 *   connection is closed rather than read to its end.
 * - `GET /api/attachments/:id` and `/:id/thumb`: the bytes, with ETag, one
 *   Range, and headers that keep a browser from running or sniffing them.
 *
 * Identity: `Authorization: Bearer <token>` (account or guest) or the
 * session cookie. The Origin rule of every `/api/` POST applies (apiGuard);
 * the body is multipart, not JSON. Errors are `{ error: { code, message } }`;
 * a GET that may not see an attachment is 404 like one that does not exist.
 */
import busboy from "busboy";
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AccountError } from "../accounts/account-error.js";
import { AttachmentError } from "../attachments/attachment-error.js";
import type { AttachmentService, UploadResult } from "../attachments/attachment-service.js";
import type { AttachmentPart, ByteRange } from "../attachments/attachment-store.js";
import { contentDisposition, IMAGE_TYPES } from "../attachments/content-type.js";
import { presentedToken, type Identity, type IdentityResolver } from "../auth/identity.js";
import type { Logger } from "../logger.js";
import type { Attachment } from "../protocol.js";
import { apiGuard } from "./accounts.js";

export type AttachmentRoutesDeps = {
  service: AttachmentService;
  identity: IdentityResolver;
  allowedOrigins: readonly string[];
  logger: Logger;
  /** Counts each upload's outcome (chat_attachment_uploads_total). */
  count: (result: UploadResult) => void;
};

/** Room for the multipart framing around a file of the largest size. */
const MULTIPART_OVERHEAD = 64 * 1024;
const ID_PATTERN = /^[0-9a-f]{24}$/;
/** Headers on every answer that carries an attachment's bytes. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox";

/** An error answer; written out by hand so that it carries no ETag (a 404 must not differ from another 404). */
function sendError(res: Response, status: number, code: string, message: string): void {
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.status(status).end(JSON.stringify({ error: { code, message } }));
}

/** How long, and how many more bytes, a refused upload's connection is still read before it is closed. */
const LINGER_MS = 2000;
const LINGER_BYTES = 256 * 1024;

/**
 * Answers while the client is still sending its body (a refusal, or parts
 * after the file), then closes the connection instead of reading the rest.
 * Closing at once would reset the connection under data the client is still
 * sending, and many clients would report the reset rather than the answer;
 * so the connection is half closed after the answer and kept a moment
 * (reading at most LINGER_BYTES more) for the client to read it and stop.
 */
function stopReading(req: Request, res: Response): void {
  const socket = req.socket;
  req.unpipe();
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) req.pause();
  });
  req.resume();
  // Node closes a `Connection: close` answer's socket with destroySoon once it is written.
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  res.setHeader("Connection", "close");
}

function resultOf(err: AttachmentError): UploadResult {
  if (err.status === 413) return "too_large";
  if (err.status === 415) return "unsupported";
  if (err.status === 429) return "rate_limited";
  if (err.status === 401) return "unauthorized";
  if (err.status === 400) return /empty/.test(err.message) ? "empty" : "invalid";
  return "failed";
}

export function attachmentRoutes(deps: AttachmentRoutesDeps): Router {
  const { service, identity, logger, count } = deps;
  const router = Router();
  // The Origin rule of every /api/ POST; the upload's body is multipart, not JSON.
  router.use(apiGuard(deps.allowedOrigins, ["/"]));

  /**
   * Who is asking: undefined without a token, null for a token that is no
   * good (or a malformed Authorization header). Storage failures reject.
   */
  const whoIs = async (req: Request): Promise<Identity | null | undefined> => {
    const presented = presentedToken(req);
    if (!presented) return null;
    if (presented.token === undefined || presented.token === "") return undefined;
    return identity.resolve(presented.token);
  };

  const upload = async (req: Request, res: Response): Promise<void> => {
    let release: (() => void) | undefined;
    try {
      const who = await whoIs(req);
      if (!who) throw new AttachmentError(401, "UNAUTHORIZED", "sign in, or present your token, to upload");
      if (!req.is("multipart/form-data")) throw new AttachmentError(400, "INVALID_INPUT", "the body must be multipart/form-data with one file");
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > service.maxBytes + MULTIPART_OVERHEAD) {
        throw new AttachmentError(413, "INVALID_INPUT", `the file is larger than ${service.maxBytes} bytes`);
      }
      release = service.begin(who.userId);
      const attachment = await receive(req, who.userId);
      count("stored");
      // Parts after the file are not read (whatever their size): the connection is closed instead.
      if (!req.complete) stopReading(req, res);
      res.setHeader("Cache-Control", "no-store");
      res.status(201).json({ attachment });
    } catch (err) {
      const refusal = asRefusal(err);
      if (!refusal) throw err;
      count(resultOf(refusal));
      if (!req.complete) stopReading(req, res);
      sendError(res, refusal.status, refusal.code, refusal.message);
    } finally {
      release?.();
    }
  };

  /** Parses the multipart body and stores its one file. */
  const receive = (req: Request, uploader: string): Promise<Attachment> =>
    new Promise<Attachment>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({
          headers: req.headers,
          // Browsers send file names as UTF-8.
          defParamCharset: "utf8",
          limits: { files: 1, fileSize: service.maxBytes + 1, fields: 4, fieldSize: 1024, parts: 5, headerPairs: 20 },
        });
      } catch {
        reject(new AttachmentError(400, "INVALID_INPUT", "malformed multipart/form-data"));
        return;
      }
      let started = false;
      let file: Readable | undefined;
      // Refused: read no further (what was written is removed meanwhile).
      const stop = () => {
        req.unpipe(parser);
        req.pause();
      };
      parser.on("file", (field, stream, info) => {
        if (started || field !== "file") {
          // Only one file is read: a part after it, or another file before it, ends the reading.
          stream.resume();
          stop();
          if (!started) reject(new AttachmentError(400, "INVALID_INPUT", "send one file, as the part named file"));
          return;
        }
        started = true;
        file = stream;
        // busboy's own size limit (one byte past ours): stop reading at once.
        stream.once("limit", stop);
        service.upload(uploader, info.filename, stream, stop).then(resolve, reject);
      });
      // A second file, or too many parts: read no further (busboy would skip them, reading them all).
      // Before the file, that is the answer; after it, the file stored is.
      const tooMany = () => {
        stop();
        if (!started) reject(new AttachmentError(400, "INVALID_INPUT", "send one file, as the part named file"));
      };
      parser.on("filesLimit", tooMany);
      parser.on("partsLimit", tooMany);
      parser.on("error", () => reject(new AttachmentError(400, "INVALID_INPUT", "malformed multipart/form-data")));
      parser.on("close", () => {
        if (!started) reject(new AttachmentError(400, "INVALID_INPUT", "no part named file"));
      });
      req.once("close", () => {
        if (req.complete) return;
        // The client went away mid-upload: the file ends in an error, and what was written is removed.
        const cutOff = new AttachmentError(400, "INVALID_INPUT", "the upload was cut off");
        file?.destroy(cutOff);
        reject(cutOff);
      });
      req.pipe(parser);
    });

  const serve =
    (part: AttachmentPart) =>
    async (req: Request, res: Response): Promise<void> => {
      const id = String(req.params.id);
      const notFound = () => sendError(res, 404, "NOT_FOUND", "no such attachment");
      if (!ID_PATTERN.test(id)) return notFound();
      let served;
      try {
        const who = await whoIs(req);
        served = await service.open(who?.userId ?? null, id, part);
      } catch (err) {
        const refusal = asRefusal(err);
        if (!refusal) throw err;
        return sendError(res, refusal.status, refusal.code, refusal.message);
      }
      const { record, type, size, hash } = served;
      const etag = `"${hash}"`;
      res.setHeader("Content-Type", type);
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      res.setHeader("Cache-Control", "private");
      res.setHeader("ETag", etag);
      res.setHeader("Accept-Ranges", "bytes");
      const image = part === "thumb" || IMAGE_TYPES.has(type);
      res.setHeader("Content-Disposition", contentDisposition(image ? "inline" : "attachment", part === "thumb" ? `${record.name}.webp` : record.name));
      if (matches(req.headers["if-none-match"], etag)) {
        res.status(304).end();
        return;
      }
      const range = rangeOf(req.headers.range, size);
      if (range === "unsatisfiable") {
        res.setHeader("Content-Range", `bytes */${size}`);
        res.removeHeader("Content-Disposition");
        sendError(res, 416, "INVALID_INPUT", "range not satisfiable");
        return;
      }
      if (range) {
        res.status(206);
        res.setHeader("Content-Range", `bytes ${range.start}-${range.end - 1}/${size}`);
        res.setHeader("Content-Length", String(range.end - range.start));
      } else {
        res.status(200);
        res.setHeader("Content-Length", String(size));
      }
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      try {
        await pipeline(service.read(id, part, range ?? undefined), res);
      } catch (err) {
        // Headers are out: all that can be done is to cut the answer short.
        logger.warn({ err: (err as Error).message, id }, "attachments: sending bytes failed");
        res.destroy();
      }
    };

  router.post("/", route(upload));
  router.get("/:id", route(serve("file")));
  router.get("/:id/thumb", route(serve("thumb")));
  return router;
}

/** An error the routes answer themselves: an attachment refusal, or storage being unavailable. */
function asRefusal(err: unknown): AttachmentError | undefined {
  if (err instanceof AttachmentError) return err;
  if (err instanceof AccountError && err.code === "UNAVAILABLE") return new AttachmentError(503, "UNAVAILABLE", err.message);
  if (err instanceof Error && "code" in err && err.code === "UNAVAILABLE") return new AttachmentError(503, "UNAVAILABLE", err.message);
  return undefined;
}

const route =
  (handler: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };

/** Whether an If-None-Match header names `etag` (weak comparison, `*` included). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/**
 * One byte range of a Range header, as [start, end): `bytes=a-b`, `bytes=a-`
 * or `bytes=-n`. Undefined (serve it all) when there is none, it is
 * malformed, or it asks for several ranges; "unsatisfiable" when it starts
 * past the end.
 */
function rangeOf(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from, to] = match;
  if (from === "" && to === "") return undefined;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(from);
  const last = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  if (to !== "" && Number(to) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end: last + 1 };
}
