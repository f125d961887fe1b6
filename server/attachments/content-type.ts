/**
 * What an upload is, read from its bytes — never from its name or the
 * client's Content-Type. Binary formats by their signatures (`file-type`);
 * anything without one is plain text only when all of it is valid UTF-8
 * with no control characters but tab, CR, LF and FF, and does not start
 * with `<` (so no HTML, SVG or XML, whatever it is called).
 */
import { fileTypeFromBuffer } from "file-type";

/** Images: decoded, stripped of metadata and re-encoded (sharp). */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
/** Other binary formats stored byte for byte. */
export const DOCUMENT_TYPES: ReadonlySet<string> = new Set(["application/pdf"]);
export const TEXT_TYPE = "text/plain; charset=utf-8";

/** How many leading bytes the signature check looks at. */
export const SNIFF_BYTES = 4100;

/** What the head of an upload says it is. */
export type Sniffed =
  | { kind: "image"; type: string }
  | { kind: "document"; type: string }
  /** No known signature: plain text, if the whole content passes TextCheck. */
  | { kind: "text" }
  | { kind: "refused"; type: string };

/** Classifies an upload by its first SNIFF_BYTES bytes (or all of it when shorter). */
export async function sniff(head: Uint8Array): Promise<Sniffed> {
  const found = await fileTypeFromBuffer(head);
  if (!found) return { kind: "text" };
  // An animated PNG is a PNG (the first frame is kept).
  const type = found.mime === "image/apng" ? "image/png" : found.mime;
  if (IMAGE_TYPES.has(type)) return { kind: "image", type };
  if (DOCUMENT_TYPES.has(type)) return { kind: "document", type };
  return { kind: "refused", type };
}

/** C0 controls but tab (09), LF (0A), FF (0C) and CR (0D); DEL; C1 controls. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F]/;

/**
 * Checks a stream of bytes for plain text, chunk by chunk, without keeping
 * them: `push` each chunk, then `end()`; both answer whether it is still text.
 *
 * @example
 * const check = new TextCheck();
 * check.push(Buffer.from("hello\n")) && check.end(); // true
 */
export class TextCheck {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private ok = true;
  /** Whether a character other than white space was seen yet. */
  private started = false;

  push(chunk: Uint8Array): boolean {
    if (this.ok) this.take(() => this.decoder.decode(chunk, { stream: true }));
    return this.ok;
  }

  end(): boolean {
    if (this.ok) this.take(() => this.decoder.decode());
    return this.ok;
  }

  private take(decode: () => string): void {
    let text: string;
    try {
      text = decode();
    } catch {
      this.ok = false;
      return;
    }
    if (FORBIDDEN.test(text)) {
      this.ok = false;
      return;
    }
    if (!this.started) {
      // The decoder drops a leading byte order mark; leading white space does not hide a "<".
      const first = text.trimStart();
      if (first.length > 0) {
        this.started = true;
        if (first.startsWith("<")) this.ok = false;
      }
    }
  }
}

/** Whether a whole buffer is plain text by the rules above. */
export function isPlainText(bytes: Uint8Array): boolean {
  const check = new TextCheck();
  return check.push(bytes) && check.end();
}

/** Longest file name kept, in code points. */
const NAME_MAX = 200;
/** Control characters and the bidirectional overrides that could make a name read as something else. */
// eslint-disable-next-line no-control-regex
const NAME_STRIP = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** An uploader's file name made safe to keep and show: no path, no control characters, at most 200 characters. */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? "").toWellFormed().split(/[/\\]/).pop() ?? "";
  const name = [...base.normalize("NFC").replace(NAME_STRIP, "").trim()].slice(0, NAME_MAX).join("").trim();
  return name === "" || name === "." || name === ".." ? "file" : name;
}

/**
 * A Content-Disposition header: an ASCII fallback name (anything else
 * replaced by "_") and the exact name as RFC 8187 UTF-8.
 *
 * @example contentDisposition("attachment", "报告.pdf") // attachment; filename="__.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf
 */
export function contentDisposition(kind: "attachment" | "inline", name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9 ._()-]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
