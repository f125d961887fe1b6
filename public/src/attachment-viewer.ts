/**
 * The full-size view of an image attachment: a modal dialog with the image,
 * its name, Download and Close. Escape or Close shut it, and focus goes back
 * to the thumbnail that opened it.
 */
import type { Attachment } from "../../server/protocol";
import type { AttachmentFiles } from "./attachment-files";
import { $ } from "./dom";

export class AttachmentViewer {
  private readonly dialog = $("attachment-viewer") as HTMLDialogElement;
  private readonly image = $("attachment-viewer-image") as HTMLImageElement;
  private readonly name = $("attachment-viewer-name");
  private readonly error = $("attachment-viewer-error");
  private shown: Attachment | undefined;
  private opener: HTMLElement | undefined;
  /** The blob: URL shown, given back on close. */
  private url: string | undefined;

  constructor(private readonly files: AttachmentFiles) {
    $("attachment-viewer-close").addEventListener("click", () => this.dialog.close());
    $("attachment-viewer-download").addEventListener("click", () => {
      if (this.shown) void this.files.download(this.shown);
    });
    // A click on the backdrop (outside the image and its bar) closes it too.
    this.dialog.addEventListener("click", (event) => {
      if (event.target === this.dialog) this.dialog.close();
    });
    this.dialog.addEventListener("close", () => {
      this.image.removeAttribute("src");
      if (this.url) this.files.release(this.url);
      this.url = undefined;
      this.shown = undefined;
      if (this.opener?.isConnected) this.opener.focus();
      this.opener = undefined;
    });
  }

  async open(attachment: Attachment, opener: HTMLElement): Promise<void> {
    this.shown = attachment;
    this.opener = opener;
    this.name.textContent = attachment.name;
    this.image.alt = attachment.name;
    this.image.removeAttribute("src");
    this.error.hidden = true;
    if (!this.dialog.open) this.dialog.showModal();
    $("attachment-viewer-close").focus();
    const url = await this.files.file(attachment);
    if (this.shown !== attachment) {
      if (url) this.files.release(url);
      return;
    }
    if (this.url) this.files.release(this.url);
    this.url = url;
    if (url) this.image.src = url;
    else this.error.hidden = false;
  }
}
