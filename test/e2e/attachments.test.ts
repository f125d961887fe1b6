/**
 * Attachments in the page: a photo attached with the button, pasted and
 * dropped, shown as a thumbnail on the other side and opened full size (by
 * pointer and by keyboard, Escape closing); a PDF sent without text and
 * downloaded byte for byte; refusals said in the tray; cancel; an upload
 * made offline that waits and goes once the connection is back; the phone
 * layout in Chinese; axe on the new parts.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "../helpers/axe.js";
import { PASSWORD } from "../helpers/accounts.js";
import { enter, PHONE, speaking } from "../helpers/browser.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

type FileSpec = { name: string; mimeType: string; buffer: Buffer };
type BrowserGlobals = {
  DataTransfer: new () => { items: { add(file: unknown): void }; files: unknown };
  File: new (parts: Uint8Array[], name: string, options: { type: string }) => unknown;
  ClipboardEvent: new (type: string, init: { clipboardData: unknown; bubbles: boolean; cancelable: boolean }) => unknown;
  document: { getElementById(id: string): { dispatchEvent(event: unknown): boolean; focus(): void } | null; activeElement: { className: string; dataset: Record<string, string> } | null };
};

const LIMIT = 300_000;

/** A photo-like PNG of `width`×`height`. */
async function png(width: number, height: number, colour = "#3366cc"): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
}

/** A small but well-formed PDF. */
function pdf(): Buffer {
  const body = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  return Buffer.from(body.padEnd(1500, " "), "latin1");
}

async function inChat(page: Page): Promise<void> {
  await page.click('button[data-room="chat"]');
  await page.locator("#channel-title", { hasText: "chat" }).waitFor();
}

/** Attaches through the attach button and the file chooser it opens. */
async function attachWithButton(page: Page, files: FileSpec[]): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.click("#attach-button")]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles(files);
}

/** Pastes files into the text box, as a screenshot from the clipboard is. */
async function paste(page: Page, file: FileSpec): Promise<void> {
  await page.evaluate(
    ({ name, type, bytes }) => {
      const g = globalThis as unknown as BrowserGlobals;
      const data = new g.DataTransfer();
      data.items.add(new g.File([new Uint8Array(bytes)], name, { type }));
      const box = g.document.getElementById("text")!;
      box.focus();
      box.dispatchEvent(new g.ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    },
    { name: file.name, type: file.mimeType, bytes: [...file.buffer] },
  );
}

/** Drags files over the conversation and drops them. */
async function drop(page: Page, file: FileSpec): Promise<void> {
  const data = await page.evaluateHandle(
    ({ name, type, bytes }) => {
      const g = globalThis as unknown as BrowserGlobals;
      const transfer = new g.DataTransfer();
      transfer.items.add(new g.File([new Uint8Array(bytes)], name, { type }));
      return transfer;
    },
    { name: file.name, type: file.mimeType, bytes: [...file.buffer] },
  );
  await page.dispatchEvent("#conversation", "dragenter", { dataTransfer: data });
  await page.dispatchEvent("#conversation", "dragover", { dataTransfer: data });
  expect(await page.getAttribute("#conversation", "class")).toContain("dropping");
  await page.dispatchEvent("#conversation", "drop", { dataTransfer: data });
  expect(await page.getAttribute("#conversation", "class")).not.toContain("dropping");
}

const trayItem = (page: Page, name: string) => page.locator("#upload-tray li.upload", { hasText: name });
const ready = (page: Page, name: string) => page.locator("#upload-tray li.upload.done", { hasText: name }).waitFor();
/** The message showing `text`, on the page. */
const message = (page: Page, text: string) => page.locator("#message-list li.msg", { has: page.locator(".text", { hasText: text }) });
/** The natural size of a loaded image, 0×0 while it loads. */
const natural = (page: Page, selector: string) =>
  page.locator(selector).first().evaluate((img) => {
    const image = img as unknown as { naturalWidth: number; naturalHeight: number; complete: boolean };
    return image.complete ? `${image.naturalWidth}x${image.naturalHeight}` : "0x0";
  });

describe("attachments in the page", () => {
  const env = useServerAndBrowser(() => ({
    DATA_DIR: mkdtempSync(join(tmpdir(), "chat-attach-e2e-")),
    MAX_UPLOAD_BYTES: String(LIMIT),
    RATE_LIMIT_BURST: "1000",
    RATE_LIMIT_PER_SECOND: "1000",
  }));

  it("when a photo is attached with the button, pasted and dropped, then the other side sees thumbnails that open full size and close with Escape", async () => {
    const ada = await enter(env.browser, env.server.url, "Ada");
    const bob = await enter(env.browser, env.server.url, "Bob");
    await inChat(ada.page);
    await inChat(bob.page);

    const board = { name: "blackboard.png", mimeType: "image/png", buffer: await png(1200, 800) };
    await attachWithButton(ada.page, [board]);
    await ready(ada.page, "blackboard.png");
    expect(await trayItem(ada.page, "blackboard.png").locator(".upload-status").textContent()).toContain("ready to send");
    expect(await seriousViolations(ada.page)).toEqual([]);
    await ada.page.fill("#text", "today's blackboard");
    await ada.page.press("#text", "Enter");
    expect(await ada.page.isHidden("#upload-tray")).toBe(true);

    // Bob sees a thumbnail no wider than 320 px, fetched with his own identity.
    const seen = message(bob.page, "today's blackboard");
    await seen.locator(".attachment-image img").waitFor();
    await expect.poll(() => natural(bob.page, "#message-list .attachment-image img")).toBe("320x213");
    expect(await seen.locator(".attachment-image").getAttribute("aria-label")).toBe("Open the image blackboard.png");

    // Opened full size; Escape closes it and gives focus back to the thumbnail.
    await seen.locator(".attachment-image").click();
    await bob.page.locator("#attachment-viewer[open]").waitFor();
    await expect.poll(() => natural(bob.page, "#attachment-viewer-image")).toBe("1200x800");
    expect(await bob.page.textContent("#attachment-viewer-name")).toBe("blackboard.png");
    expect(await seriousViolations(bob.page)).toEqual([]);
    await bob.page.keyboard.press("Escape");
    await bob.page.locator("#attachment-viewer[open]").waitFor({ state: "detached" });
    expect(await bob.page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.className)).toContain("attachment-image");

    // Pasted and dropped images go the same way, and can be sent without text.
    await paste(ada.page, { name: "screenshot.png", mimeType: "image/png", buffer: await png(300, 200, "#aa3300") });
    await ready(ada.page, "screenshot.png");
    await drop(ada.page, { name: "photo.png", mimeType: "image/png", buffer: await png(200, 400, "#00aa33") });
    await ready(ada.page, "photo.png");
    await ada.page.press("#text", "Enter");
    const both = bob.page.locator("#message-list li.msg", { has: bob.page.locator('.attachment-image[title="screenshot.png"]') });
    await both.waitFor();
    expect(await both.locator(".attachment-image").count()).toBe(2);
    // Screen readers hear what came: the files' names, for a message without text.
    await expect.poll(() => bob.page.textContent("#announcer")).toBe("Ada: 📎 screenshot.png, 📎 photo.png");
    await expect.poll(() => natural(bob.page, '.attachment-image[title="photo.png"] img')).toBe("160x320");

    await ada.context.close();
    await bob.context.close();
  });

  it("when a PDF is sent, then the other side sees its name, type and size, and downloads the same bytes; by keyboard alone an image opens and Escape closes it", async () => {
    const ada = await enter(env.browser, env.server.url, "Ada");
    const bob = await enter(env.browser, env.server.url, "Bob");
    await inChat(ada.page);
    await inChat(bob.page);
    const worksheet = pdf();
    await attachWithButton(ada.page, [
      { name: "worksheet 3.pdf", mimeType: "application/pdf", buffer: worksheet },
      { name: "diagram.png", mimeType: "image/png", buffer: await png(640, 480) },
    ]);
    await ready(ada.page, "worksheet 3.pdf");
    await ready(ada.page, "diagram.png");
    await ada.page.fill("#text", "homework");
    await ada.page.press("#text", "Enter");

    const seen = message(bob.page, "homework");
    const chip = seen.locator(".attachment-file");
    await chip.waitFor();
    expect(await chip.locator(".attachment-name").textContent()).toBe("worksheet 3.pdf");
    expect(await chip.locator(".attachment-facts").textContent()).toBe("PDF · 1.5 KB");
    const [download] = await Promise.all([bob.page.waitForEvent("download"), chip.click()]);
    expect(download.suggestedFilename()).toBe("worksheet 3.pdf");
    expect((await readFile((await download.path())!)).equals(worksheet)).toBe(true);

    // Keyboard: the message, Enter for its actions, back to the thumbnail, Enter opens, Escape closes.
    await seen.focus();
    await bob.page.keyboard.press("Enter");
    await bob.page.keyboard.press("Shift+Tab");
    await bob.page.keyboard.press("Shift+Tab");
    expect(await bob.page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.className)).toContain("attachment-image");
    await bob.page.keyboard.press("Enter");
    await bob.page.locator("#attachment-viewer[open]").waitFor();
    await expect.poll(() => natural(bob.page, "#attachment-viewer-image")).toBe("640x480");
    await bob.page.keyboard.press("Escape");
    await bob.page.locator("#attachment-viewer[open]").waitFor({ state: "detached" });
    expect(await bob.page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.className)).toContain("attachment-image");

    await ada.context.close();
    await bob.context.close();
  });

  it("when a file is refused (too large, HTML named .png) or cancelled, then the tray says so and nothing is sent with it", async () => {
    const ada = await enter(env.browser, env.server.url, "Ada");
    await inChat(ada.page);
    await attachWithButton(ada.page, [
      { name: "huge.pdf", mimeType: "application/pdf", buffer: Buffer.concat([pdf(), Buffer.alloc(LIMIT)]) },
      { name: "trick.png", mimeType: "image/png", buffer: Buffer.from("<html><script>alert(1)</script></html>") },
    ]);
    await trayItem(ada.page, "huge.pdf").locator(".upload-status", { hasText: "too large" }).waitFor();
    await trayItem(ada.page, "trick.png").locator(".upload-status", { hasText: "this type of file can't be sent" }).waitFor();
    expect(await ada.page.textContent("#upload-status")).toContain("trick.png can't be sent");
    expect(await seriousViolations(ada.page)).toEqual([]);
    // Removed by keyboard: focus moves to the next file's button, then back to the text.
    await trayItem(ada.page, "huge.pdf").locator(".upload-remove").focus();
    await ada.page.keyboard.press("Enter");
    expect(await trayItem(ada.page, "huge.pdf").count()).toBe(0);
    await ada.page.keyboard.press("Enter");
    expect(await ada.page.isHidden("#upload-tray")).toBe(true);
    expect(await ada.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe("text");

    // An upload under way is cancelled: the request is aborted and the tray is empty again.
    let held: (() => void) | undefined;
    await ada.page.route("**/api/attachments", (route) => new Promise<void>((resolve) => (held = () => void route.abort().then(resolve))));
    await attachWithButton(ada.page, [{ name: "slow.png", mimeType: "image/png", buffer: await png(50, 50) }]);
    await trayItem(ada.page, "slow.png").locator("progress").waitFor();
    await trayItem(ada.page, "slow.png").locator(".upload-remove").click();
    expect(await trayItem(ada.page, "slow.png").count()).toBe(0);
    held?.();
    await ada.page.unroute("**/api/attachments");
    await ada.context.close();
  });

  it("when offline, then the upload waits, Send waits for it, and both go once the connection is back", async () => {
    const ada = await enter(env.browser, env.server.url, "Ada");
    const bob = await enter(env.browser, env.server.url, "Bob");
    await inChat(ada.page);
    await inChat(bob.page);
    await ada.context.setOffline(true);
    await attachWithButton(ada.page, [{ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("Chapter 3: photosynthesis\n光合作用\n") }]);
    await trayItem(ada.page, "notes.txt").locator(".upload-status", { hasText: "waiting for the connection" }).waitFor();
    await ada.page.fill("#text", "my notes");
    await ada.page.press("#text", "Enter");
    expect(await ada.page.isVisible("#upload-waiting")).toBe(true);
    expect(await ada.page.inputValue("#text")).toBe("my notes");

    await ada.context.setOffline(false);
    const seen = message(bob.page, "my notes");
    await seen.locator(".attachment-file").waitFor({ timeout: 15_000 });
    expect(await seen.locator(".attachment-facts").textContent()).toMatch(/^TXT · \d+ B$/);
    expect(await ada.page.inputValue("#text")).toBe("");
    expect(await ada.page.isHidden("#upload-waiting")).toBe(true);
    await ada.context.close();
    await bob.context.close();
  });

  it("when a signed-in person (a cookie, no token) sends a photo privately, then the other person sees it and a third person cannot fetch it", async () => {
    const url = env.server.url.replace("127.0.0.1", "localhost");
    const teacher = await env.browser.newContext();
    const page = await teacher.newPage();
    await page.goto(url);
    await page.locator("#login [data-account=signup]").click();
    await page.fill("#signup-username", "teacher");
    await page.fill("#signup-password", PASSWORD);
    await page.click("#signup-with-password");
    await page.locator('#conn[data-state="connected"]').waitFor();
    expect(await page.evaluate<string | null>('JSON.parse(localStorage.getItem("chat.v1") ?? "{}").token ?? null')).toBeNull();

    const pupil = await enter(env.browser, url, "Pupil");
    await inChat(pupil.page);
    await inChat(page);
    await page.locator("#online-list .person-open", { hasText: "Pupil" }).click();
    await attachWithButton(page, [{ name: "marked.png", mimeType: "image/png", buffer: await png(500, 500, "#cc0000") }]);
    await ready(page, "marked.png");
    await page.fill("#text", "your corrected homework");
    await page.press("#text", "Enter");

    await pupil.page.locator("#peer-list button", { hasText: "teacher" }).first().click();
    const seen = message(pupil.page, "your corrected homework");
    await seen.locator(".attachment-image img").waitFor();
    await expect.poll(() => natural(pupil.page, "#message-list .attachment-image img")).toBe("320x320");

    // Someone else, with an identity of their own, gets the answer a missing id gets.
    const id = await seen.locator(".attachment-image").getAttribute("data-open-attachment");
    const other = await enter(env.browser, url, "Other");
    const statuses = await other.page.evaluate(
      async ([path, missing]) => {
        const token = (JSON.parse(localStorage.getItem("chat.v1") ?? "{}") as { token: string }).token;
        const get = (p: string) => fetch(p, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status);
        return [await get(path!), await get(missing!)];
      },
      [`/api/attachments/${id}`, "/api/attachments/000000000000000000000000"],
    );
    expect(statuses).toEqual([404, 404]);
    await teacher.close();
    await pupil.context.close();
    await other.context.close();
  });

  it("on a 375 px phone in Chinese, then the attach button offers the camera, the tray fits the screen, and axe finds nothing", async () => {
    const ada = await enter(env.browser, env.server.url, "小明", { ...PHONE, ...speaking("zh-CN") });
    const { page } = ada;
    await page.click("#open-sidebar");
    await page.click('button[data-room="chat"]');
    expect(await page.getAttribute("#attach-button", "aria-label")).toBe("添加文件");
    expect(await page.getAttribute("#attach-input", "accept")).toContain("image/*");
    await attachWithButton(page, [
      { name: "黑板照片.png", mimeType: "image/png", buffer: await png(900, 1200) },
      { name: "练习题.pdf", mimeType: "application/pdf", buffer: pdf() },
    ]);
    await ready(page, "黑板照片.png");
    await ready(page, "练习题.pdf");
    expect(await trayItem(page, "练习题.pdf").locator(".upload-status").textContent()).toContain("可以发送");
    const overflow = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return d.scrollWidth - d.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.press("#text", "Enter");
    const sent = page.locator("#message-list li.msg.mine", { has: page.locator(".attachment-file") });
    await sent.waitFor();
    expect((await sent.locator(".attachment-file").textContent())?.replace(/\s+/g, " ").trim()).toBe("📄下载 练习题.pdf PDF · 1.5 KB");
    await sent.locator(".attachment-image").click();
    await page.locator("#attachment-viewer[open]").waitFor();
    expect(await page.textContent("#attachment-viewer-close")).toBe("关闭");
    expect(await seriousViolations(page)).toEqual([]);
    await page.click("#attachment-viewer-close");
    await page.locator("#attachment-viewer[open]").waitFor({ state: "detached" });
    await ada.context.close();
  });
});
