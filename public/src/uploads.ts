/**
 * Files on their way to the server (protocol v1.2 `POST /api/attachments`),
 * before the message that carries them is sent. One XMLHttpRequest per file,
 * so that its progress can be shown and Cancel aborts it; a few at a time.
 *
 * An upload that fails for want of a connection (offline, the server
 * restarting, 5xx, 429, identity not yet established) waits and is tried
 * again — at once when the browser is back online — as messages wait in the
 * outbox; a refusal of the file itself (too large, a type not allowed, empty)
 * is final and said.
 */
import type { Attachment } from "../../server/protocol";

export type UploadState = "waiting" | "uploading" | "done" | "failed";

/** Why a file was refused; each has a sentence in the catalogue (`upload.failed.<reason>`). */
export type UploadFailure = "tooLarge" | "type" | "empty" | "tooMany" | "other";

export type Upload = {
  /** Names the upload on this page only. */
  readonly key: string;
  /** The conversation it will be sent to. */
  readonly channel: string;
  readonly file: File;
  state: UploadState;
  /** Bytes sent so far. */
  loaded: number;
  /** Failed attempts that will be retried. */
  attempts: number;
  /** The server's description, once stored. */
  attachment?: Attachment;
  failure?: UploadFailure;
};

export type UploadHooks = {
  /** Something changed: redraw. `settled` names an upload that just finished or failed. */
  changed(settled?: Upload): void;
  /** The identity to upload as (a guest's token; signed-in browsers send their cookie). */
  headers(): Record<string, string>;
};

/** At most this many files per message (the protocol's limit). */
export const MAX_ATTACHMENTS = 10;
/** The server takes 4 uploads of one person at a time; one is left for another tab. */
const PARALLEL = 3;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

let counter = 0;

export class Uploads {
  private readonly items: Upload[] = [];
  private readonly requests = new Map<string, XMLHttpRequest>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly hooks: UploadHooks,
    /** The server's limit (`MAX_UPLOAD_BYTES`): a larger file is refused here without being sent. */
    private readonly maxBytes: number,
    private readonly endpoint = "/api/attachments",
  ) {
    window.addEventListener("online", () => this.retryNow());
  }

  /** The uploads meant for `channel`, in the order they were added. */
  of(channel: string): readonly Upload[] {
    return this.items.filter((u) => u.channel === channel);
  }

  /** Whether the upload `key` is still in a tray. */
  has(key: string): boolean {
    return this.items.some((u) => u.key === key);
  }

  /** Adds files for `channel`; those past the limits are shown as refused. Returns the new uploads. */
  add(channel: string, files: Iterable<File>): Upload[] {
    const added: Upload[] = [];
    for (const file of files) {
      const upload: Upload = { key: `u${++counter}`, channel, file, state: "waiting", loaded: 0, attempts: 0 };
      const failure: UploadFailure | undefined =
        this.of(channel).filter((u) => u.state !== "failed").length >= MAX_ATTACHMENTS
          ? "tooMany"
          : file.size === 0
            ? "empty"
            : file.size > this.maxBytes
              ? "tooLarge"
              : undefined;
      if (failure) Object.assign(upload, { state: "failed", failure });
      this.items.push(upload);
      added.push(upload);
    }
    this.pump();
    this.hooks.changed();
    return added;
  }

  /** Cancels an upload (aborting it if under way) or takes a finished one back. */
  remove(key: string): void {
    this.requests.get(key)?.abort();
    this.forget(key);
    this.pump();
    this.hooks.changed();
  }

  /** Whether any upload of `channel` is still to finish. */
  busy(channel: string): boolean {
    return this.of(channel).some((u) => u.state === "waiting" || u.state === "uploading");
  }

  /** The stored attachments of `channel`, to send with the message; they leave the tray (failed ones stay, to be read and removed). */
  take(channel: string): Attachment[] {
    const done = this.of(channel).filter((u) => u.state === "done");
    for (const u of done) this.forget(u.key);
    this.hooks.changed();
    return done.map((u) => u.attachment!);
  }

  private forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.requests.delete(key);
    const index = this.items.findIndex((u) => u.key === key);
    if (index >= 0) this.items.splice(index, 1);
  }

  /** Starts waiting uploads, a few at a time, while the browser is online. */
  private pump(): void {
    if (!navigator.onLine) return;
    for (const upload of this.items) {
      if (this.requests.size >= PARALLEL) return;
      if (upload.state === "waiting" && !this.timers.has(upload.key)) this.start(upload);
    }
  }

  /** Back online: whatever waits goes now. */
  private retryNow(): void {
    for (const [key, timer] of this.timers) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    this.pump();
  }

  private start(upload: Upload): void {
    const xhr = new XMLHttpRequest();
    this.requests.set(upload.key, xhr);
    upload.state = "uploading";
    upload.loaded = 0;
    xhr.open("POST", this.endpoint);
    for (const [name, value] of Object.entries(this.hooks.headers())) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (event) => {
      upload.loaded = event.loaded;
      this.hooks.changed();
    });
    xhr.addEventListener("loadend", () => {
      if (this.requests.get(upload.key) !== xhr) return; // cancelled
      this.requests.delete(upload.key);
      this.settle(upload, xhr);
      this.pump();
    });
    const body = new FormData();
    body.append("file", upload.file, upload.file.name);
    xhr.send(body);
  }

  private settle(upload: Upload, xhr: XMLHttpRequest): void {
    const { status } = xhr;
    if (status === 201) {
      const attachment = attachmentOf(xhr.responseText);
      if (attachment) {
        Object.assign(upload, { state: "done", attachment, loaded: upload.file.size });
        this.hooks.changed(upload);
        return;
      }
    }
    const final: UploadFailure | undefined =
      status === 413 ? "tooLarge" : status === 415 ? "type" : status === 400 ? "empty" : status === 201 || status === 403 || status === 404 ? "other" : undefined;
    if (final) {
      Object.assign(upload, { state: "failed", failure: final });
      this.hooks.changed(upload);
      return;
    }
    // No connection, the server restarting or busy, or no identity yet: later.
    upload.state = "waiting";
    upload.attempts += 1;
    const retryAfter = Number(xhr.getResponseHeader("Retry-After")) * 1000;
    const backoff = Math.min(RETRY_FIRST_MS * 2 ** (upload.attempts - 1), RETRY_MAX_MS);
    const delay = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, RETRY_MAX_MS) : backoff;
    this.timers.set(
      upload.key,
      setTimeout(() => {
        this.timers.delete(upload.key);
        this.pump();
      }, delay * (0.75 + Math.random() * 0.5)),
    );
    this.hooks.changed();
  }
}

/** The attachment in a 201 answer, or undefined when the answer is not one. */
function attachmentOf(body: string): Attachment | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const attachment = (parsed as { attachment?: Attachment } | null)?.attachment;
    return typeof attachment?.id === "string" && typeof attachment.name === "string" ? attachment : undefined;
  } catch {
    return undefined;
  }
}
