/**
 * How attachments look: in a message, images as thumbnails that open full
 * size (a button each: Enter or a click opens the viewer, Escape closes it)
 * and other files as chips with name, type and size that download; in the
 * composer, the tray of files being uploaded with a progress bar and a
 * button to cancel or take each back. Names are user text: text positions
 * and attribute values only.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { styleMap } from "lit-html/directives/style-map.js";
import type { Attachment, ChatMessage } from "../../server/protocol";
import { fileSize, isImage, typeLabel, type AttachmentFiles } from "./attachment-files";
import { currentLocale, t } from "./i18n";
import type { Upload } from "./uploads";

/** Thumbnails are shown at most this size (CSS px) on their longer side. */
const SHOWN_MAX = 240;

/** The box a thumbnail takes before it arrives, so that the list does not jump. */
function shownSize(a: Attachment): { width: number; height: number } | undefined {
  if (!a.width || !a.height) return undefined;
  const scale = Math.min(1, SHOWN_MAX / Math.max(a.width, a.height));
  return { width: Math.max(1, Math.round(a.width * scale)), height: Math.max(1, Math.round(a.height * scale)) };
}

/** One file's short description: "PDF · 1.2 MB". */
export function fileFacts(type: string, size: number): string {
  return `${typeLabel(type)} · ${fileSize(size, currentLocale())}`;
}

/** A message's attachments; `tabindex` as the message's other inner controls. */
export function attachmentsTemplate(list: readonly Attachment[], files: AttachmentFiles | undefined, tabindex: string): TemplateResult {
  const images = list.filter(isImage);
  const others = list.filter((a) => !isImage(a));
  const image = (a: Attachment) => {
    const url = files?.thumbnail(a);
    const size = shownSize(a);
    const label = t("attachment.open", { name: a.name });
    const failed = files?.thumbnailFailed(a) === true;
    return html`<button type="button" class="attachment-image" data-open-attachment=${a.id} aria-label=${label} title=${a.name} tabindex=${tabindex}
      style=${size ? styleMap({ width: `${size.width}px`, aspectRatio: `${size.width} / ${size.height}` }) : nothing}>${
        url
          ? html`<img src=${url} alt="" width=${size?.width ?? nothing} height=${size?.height ?? nothing}>`
          : html`<span class="attachment-placeholder">${failed ? a.name : ""}</span>`
      }</button>`;
  };
  const file = (a: Attachment) => {
    const facts = fileFacts(a.type, a.size);
    // Its name is its visible text, after "Download".
    return html`<button type="button" class="attachment-file" data-download-attachment=${a.id} tabindex=${tabindex} title=${a.name}>
      <span class="attachment-icon" aria-hidden="true">📄</span><span class="visually-hidden">${t("attachment.download")} </span><span class="attachment-name">${a.name}</span> <span class="attachment-facts">${facts}</span></button>`;
  };
  return html`<div class="attachments">${images.length ? html`<div class="attachment-images">${images.map(image)}</div>` : nothing}${others.map(file)}</div>`;
}

/** A message in one line (notifications, announcements): its text, then the names of the files it carries. */
export function messageSummary(message: ChatMessage): string {
  const names = (message.attachments ?? []).map((a) => `📎 ${a.name}`).join(", ");
  return [message.text, names].filter(Boolean).join(" ");
}

/** What an upload is doing, in words. */
function uploadStatus(u: Upload): string {
  switch (u.state) {
    case "uploading":
      return t("upload.progress", { percent: Math.floor((100 * u.loaded) / Math.max(1, u.file.size)) });
    case "waiting":
      return u.attempts > 0 || !navigator.onLine ? t("upload.waiting") : t("upload.queued");
    case "done":
      return t("upload.done");
    case "failed":
      return t(`upload.failed.${u.failure ?? "other"}`);
  }
}

/** The tray above the composer: one chip per file of this conversation. */
export function trayTemplate(uploads: readonly Upload[], previews: (u: Upload) => string | undefined): TemplateResult | typeof nothing {
  if (uploads.length === 0) return nothing;
  // Keyed, so that a chip keeps its element (and its focus) when one before it goes.
  return html`${repeat(uploads, (u) => u.key, (u) => {
    const preview = previews(u);
    const name = u.file.name || t("upload.unnamed");
    const removeLabel = u.state === "uploading" || u.state === "waiting" ? t("upload.cancel", { name }) : t("upload.remove", { name });
    return html`<li class="upload ${u.state}" data-upload=${u.key}>
      ${preview ? html`<img class="upload-preview" src=${preview} alt="">` : html`<span class="upload-preview upload-icon" aria-hidden="true">📄</span>`}
      <span class="upload-body">
        <span class="upload-name" title=${name}>${name}</span>
        <span class="upload-status">${fileFacts(u.file.type, u.file.size)} · ${uploadStatus(u)}</span>
        ${u.state === "uploading" || u.state === "waiting"
          ? html`<progress class="upload-progress" max=${Math.max(1, u.file.size)} .value=${u.loaded} aria-label=${t("upload.progressLabel", { name })}></progress>`
          : nothing}
      </span>
      <button type="button" class="btn-close upload-remove" data-remove-upload=${u.key} aria-label=${removeLabel} title=${removeLabel}></button>
    </li>`;
  })}`;
}
