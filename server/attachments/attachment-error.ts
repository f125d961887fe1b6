/** What the attachment routes answer when they refuse: an HTTP status and one of the protocol's error codes. */
import type { ErrorCode } from "../protocol.js";

export class AttachmentError extends Error {
  override name = "AttachmentError";

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
