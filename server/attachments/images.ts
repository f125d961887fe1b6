/**
 * Images as they are stored: decoded (at most MAX_PIXELS), turned upright
 * by their EXIF orientation, and encoded again in their own format without
 * any metadata (EXIF, GPS, XMP, text chunks, comments), plus a WebP
 * thumbnail at most THUMB_MAX pixels on its longer side.
 */
import sharp from "sharp";

/** Largest image decoded, in pixels (width × height): a bigger one is refused before it costs memory. */
export const MAX_PIXELS = 50_000_000;
/** Longer side of a thumbnail, in pixels. */
export const THUMB_MAX = 320;
export const THUMB_TYPE = "image/webp";

export type StoredImage = { bytes: Buffer; width: number; height: number; thumb: Buffer };

/** The image could not be read as the type its signature claims, or is too large. */
export class ImageRefused extends Error {
  override name = "ImageRefused";
}

/** Re-encodes an image of `type` (image/png, image/jpeg, image/gif or image/webp); throws ImageRefused. */
export async function storeImage(input: Buffer, type: string): Promise<StoredImage> {
  const animated = type === "image/gif" || type === "image/webp";
  try {
    const source = sharp(input, { limitInputPixels: MAX_PIXELS, animated, failOn: "error" });
    const meta = await source.metadata();
    const pages = meta.pages ?? 1;
    // Orientation applies to stills (animations have no EXIF orientation to apply).
    let out = pages > 1 ? source : source.rotate();
    if (type === "image/png") out = out.png();
    else if (type === "image/jpeg") out = out.jpeg({ quality: 90 });
    else if (type === "image/gif") out = out.gif();
    else out = out.webp({ quality: 90 });
    // No withMetadata(): sharp writes none of the input's metadata.
    const { data, info } = await out.toBuffer({ resolveWithObject: true });
    const height = pages > 1 && info.pageHeight ? info.pageHeight : info.height;
    const thumb = await sharp(data, { limitInputPixels: MAX_PIXELS })
      .resize({ width: THUMB_MAX, height: THUMB_MAX, fit: "inside", withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer();
    return { bytes: data, width: info.width, height, thumb };
  } catch (err) {
    throw new ImageRefused(`cannot read this image: ${(err as Error).message}`);
  }
}
