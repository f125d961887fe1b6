/**
 * The bytes of attachments, fetched with this person's identity (a guest has
 * no cookie, so an `<img src>` could not carry it) and handed to the page as
 * blob: URLs: thumbnails as a conversation shows them (each fetched once per
 * page and kept: at most 320 px), a full image when opened and any file when
 * downloaded (let go once shown).
 */
import type { Attachment } from "../../server/protocol";

/** A thumbnail's state: its URL, being fetched, or failed (for a while: a later look tries again). */
type Thumb = { url: string } | { loading: true } | { failed: true };

const pathOf = (attachment: Attachment) => `/api/attachments/${encodeURIComponent(attachment.id)}`;

export class AttachmentFiles {
  private readonly thumbs = new Map<string, Thumb>();

  constructor(
    /** The identity to ask with (a guest's token; a signed-in browser sends its cookie). */
    private readonly headers: () => Record<string, string>,
    /** A thumbnail arrived (or failed): redraw the lines that show it. */
    private readonly loaded: () => void,
  ) {}

  /** The blob: URL of `attachment`'s thumbnail, or undefined while it is fetched (then `loaded` is called). */
  thumbnail(attachment: Attachment): string | undefined {
    const { id } = attachment;
    const known = this.thumbs.get(id);
    if (known && "url" in known) return known.url;
    if (known) return undefined;
    this.thumbs.set(id, { loading: true });
    void this.blobUrl(`${pathOf(attachment)}/thumb`).then((url) => {
      if (url) {
        this.thumbs.set(id, { url });
      } else {
        // The connection may be back by then.
        this.thumbs.set(id, { failed: true });
        setTimeout(() => this.thumbs.delete(id), 10_000);
      }
      this.loaded();
    });
    return undefined;
  }

  /** Whether fetching the thumbnail failed (the line then shows the file's name instead). */
  thumbnailFailed(attachment: Attachment): boolean {
    const known = this.thumbs.get(attachment.id);
    return known !== undefined && "failed" in known;
  }

  /**
   * A blob: URL of the whole file, to be given back with `release` once shown:
   * whole files (up to MAX_UPLOAD_BYTES each) are not kept in memory; asked
   * again, the browser's cache answers with the server's ETag.
   */
  file(attachment: Attachment): Promise<string | undefined> {
    return this.blobUrl(pathOf(attachment));
  }

  release(url: string): void {
    URL.revokeObjectURL(url);
  }

  /** Saves the file under its name, as a download. */
  async download(attachment: Attachment): Promise<boolean> {
    const url = await this.file(attachment);
    if (!url) return false;
    const link = document.createElement("a");
    link.href = url;
    link.download = attachment.name;
    link.rel = "noopener";
    document.body.append(link);
    link.click();
    link.remove();
    // The download has taken the bytes by then.
    setTimeout(() => this.release(url), 60_000);
    return true;
  }

  /** Fetches `path` as this person and makes its bytes a blob: URL; undefined when that fails. */
  private async blobUrl(path: string): Promise<string | undefined> {
    try {
      const response = await fetch(path, { headers: this.headers(), credentials: "same-origin" });
      if (!response.ok) return undefined;
      return URL.createObjectURL(await response.blob());
    } catch {
      return undefined;
    }
  }
}

/** "1.2 MB", "340 KB", "12 B", in the page's language. */
export function fileSize(bytes: number, locale: string): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

/** A short name for a type: "PDF", "PNG", "Text". */
export function typeLabel(type: string): string {
  const known: Record<string, string> = {
    "application/pdf": "PDF",
    "text/plain": "TXT",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
  };
  const essence = type.split(";")[0]!.trim().toLowerCase();
  return known[essence] ?? (essence.split("/")[1]?.toUpperCase() || essence);
}

export const isImage = (attachment: Attachment): boolean => attachment.type.toLowerCase().startsWith("image/");
