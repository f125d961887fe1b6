/**
 * Reading and writing in the page: the composer's keys (and Chinese input
 * methods), grouping and day separators, paging older messages in by
 * scrolling, the "new messages" pill, links, join/leave notices, and
 * notifications while the tab is hidden.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createIdGenerator } from "../../server/messages/message-id.js";
import { roomChannel } from "../../server/channels/channel.js";
import { enter, speaking } from "../helpers/browser.js";
import { connectClient, ok } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";
import { fileStorage, tempDataDir } from "../helpers/storage.js";

type Pane = { scrollTop: number; scrollHeight: number; clientHeight: number };
type PageGlobals = {
  document: {
    getElementById(id: string): (Pane & { getBoundingClientRect(): { top: number; bottom: number } }) | null;
    querySelector(selector: string): { getBoundingClientRect(): { top: number; bottom: number } } | null;
    dispatchEvent(event: unknown): boolean;
    title: string;
  };
  Event: new (type: string) => unknown;
  __hidden?: boolean;
  __notifications?: { title: string; body: string }[];
  __permissionRequests?: number;
};

const texts = (page: Page) => page.locator("#message-list li[data-id] .text").allTextContents();
const pane = (page: Page) =>
  page.evaluate(() => {
    const p = (globalThis as unknown as PageGlobals).document.getElementById("messages")!;
    return { top: p.scrollTop, height: p.scrollHeight, client: p.clientHeight };
  });
const scrollPaneTo = (page: Page, top: number) =>
  page.evaluate((y) => {
    (globalThis as unknown as PageGlobals).document.getElementById("messages")!.scrollTop = y;
  }, top);

describe("reading and writing in the page", () => {
  // Two messages from yesterday, so the day separators have something to separate.
  const env = useServerAndBrowser(async () => {
    // Written to a database file before the server opens it.
    const dataDir = tempDataDir();
    const storage = fileStorage(dataDir);
    await storage.init();
    const yesterday = Date.now() - 24 * 3600_000;
    const ids = createIdGenerator(() => yesterday);
    const from = { userId: "old-timer", name: "Old", socketId: "gone" };
    for (const text of ["from yesterday", "still yesterday"]) {
      const id = ids();
      await storage.messages.insert({ id, kind: "room", room: "days", from, text, createdAt: new Date(yesterday).toISOString(), channel: roomChannel("days"), key: `seed-${id}` });
    }
    await storage.rooms.add("days");
    await storage.close();
    return { DATA_DIR: dataDir, RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" };
  });

  it("when Enter, Shift+Enter and an input method are used, then Enter sends, Shift+Enter breaks the line and composing never sends", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Writer");
    await page.click('button[data-room="chat"]');
    const box = page.locator("#text");
    const oneLine = (await box.boundingBox())!.height;
    await box.fill("line one");
    await box.press("Shift+Enter");
    await page.keyboard.type("line two");
    await box.press("Shift+Enter");
    await page.keyboard.type("line three");
    expect((await box.boundingBox())!.height).toBeGreaterThan(oneLine * 2);

    // While an input method composes (pinyin → 你好), Enter picks a candidate: it must not send.
    await box.dispatchEvent("compositionstart");
    for (const init of [{ isComposing: true }, { keyCode: 229 }]) {
      await page.evaluate((i) => {
        const g = globalThis as unknown as { document: { getElementById(id: string): { dispatchEvent(e: unknown): boolean } }; KeyboardEvent: new (t: string, i: object) => unknown };
        g.document.getElementById("text").dispatchEvent(new g.KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true, ...i }));
      }, init);
    }
    await box.dispatchEvent("compositionend");
    expect(await box.inputValue()).toBe("line one\nline two\nline three");
    expect(await page.locator("#message-list li.msg").count()).toBe(0);

    await box.press("Enter");
    await expect.poll(() => texts(page)).toEqual(["line one\nline two\nline three"]);
    expect(await box.inputValue()).toBe("");
    expect((await box.boundingBox())!.height).toBeLessThanOrEqual(oneLine + 1);
    await context.close();
  });

  it("when one person writes several times in a row on different days, then messages are grouped under one header per run and a separator per day", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Reader", speaking("en"));
    await page.fill("#new-room", "days");
    await page.press("#new-room", "Enter");
    await expect.poll(() => texts(page)).toEqual(["from yesterday", "still yesterday"]);
    for (const text of ["today one", "today two"]) {
      await page.fill("#text", text);
      await page.press("#text", "Enter");
    }
    await expect.poll(() => texts(page)).toEqual(["from yesterday", "still yesterday", "today one", "today two"]);
    expect(await page.locator("#message-list li.day").allTextContents()).toEqual(["Yesterday", "Today"]);
    const runs = await page.locator("#message-list li.msg").evaluateAll((items) =>
      items.map((li) => `${(li as unknown as { className: string }).className.includes("cont") ? "+" : "new"}`),
    );
    expect(runs).toEqual(["new", "+", "new", "+"]);
    expect(await page.locator("#message-list li.msg .from").allTextContents()).toEqual(["Old", "Reader (you)"]);
    await context.close();
  });

  it("when someone joins and leaves the open room, then a notice says so", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Host");
    await page.click('button[data-room="study"]');
    await expect.poll(() => page.textContent("#channel-title")).toBe("# study");
    const guest = await connectClient(env.server.url, { name: "Guest" });
    await ok(guest.socket, "join", "study");
    await page.locator("#message-list li.system", { hasText: "Guest joined" }).waitFor();
    await ok(guest.socket, "leave", "study");
    await page.locator("#message-list li.system", { hasText: "Guest left" }).waitFor();
    await context.close();
  });

  it("when the reader scrolls to the top, then older messages load above without moving what they read; a new message while scrolled up shows a pill instead", async () => {
    const writer = await connectClient(env.server.url, { name: "Archivist" });
    await ok(writer.socket, "join", "archive");
    for (let i = 1; i <= 120; i++) await ok(writer.socket, "message", { room: "archive", text: `archived ${i}` });

    const { context, page } = await enter(env.browser, env.server.url, "Scroller", { viewport: { width: 1280, height: 700 } });
    await page.fill("#new-room", "archive");
    await page.press("#new-room", "Enter");
    await expect.poll(async () => (await texts(page)).length).toBe(50);
    expect((await texts(page)).at(-1)).toBe("archived 120");
    await expect.poll(async () => {
      const p = await pane(page);
      return p.height - p.top - p.client;
    }).toBeLessThan(2);

    const anchor = page.locator("#message-list li[data-id]", { has: page.locator(".text", { hasText: /^archived 71$/ }) });
    await scrollPaneTo(page, 0);
    // Pages of 100: the 70 older ones come in at once.
    await expect.poll(async () => (await texts(page)).length).toBe(120);
    expect((await texts(page))[0]).toBe("archived 1");
    // The message that was at the top is still on screen, not pushed down out of view.
    const box = (await anchor.boundingBox())!;
    const paneBox = (await page.locator("#messages").boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(paneBox.y - 1);
    expect(box.y).toBeLessThan(paneBox.y + paneBox.height);

    // Scrolled up in the middle: a new message does not yank the reader down.
    await scrollPaneTo(page, 400);
    const before = (await pane(page)).top;
    await ok(writer.socket, "message", { room: "archive", text: "fresh news" });
    await page.locator("#new-pill").waitFor();
    expect(await page.textContent("#new-pill")).toBe("1 new message ↓");
    expect((await pane(page)).top).toBe(before);
    await ok(writer.socket, "message", { room: "archive", text: "more news" });
    await expect.poll(() => page.textContent("#new-pill")).toBe("2 new messages ↓");

    await page.click("#new-pill");
    await page.locator("#new-pill").waitFor({ state: "hidden" });
    const p = await pane(page);
    expect(p.height - p.top - p.client).toBeLessThan(2);
    expect((await texts(page)).at(-1)).toBe("more news");
    await context.close();
  });

  it("when messages contain URLs with script in them, then only http(s) URLs become links, opened safely, and every character stays text", async () => {
    const sender = await connectClient(env.server.url, { name: "Linker" });
    await ok(sender.socket, "join", "links");
    const { context, page } = await enter(env.browser, env.server.url, "Clicker");
    await page.fill("#new-room", "links");
    await page.press("#new-room", "Enter");
    const cases = [
      { text: "docs: https://example.com/a?b=1&c=<img src=x onerror=top.__xss=1> ok", links: [["https://example.com/a?b=1&c=", "https://example.com/a?b=1&c="]] },
      { text: 'quote https://example.com/"onmouseover="top.__xss=2', links: [["https://example.com/", "https://example.com/"]] },
      { text: "javascript:top.__xss=3 and JaVaScRiPt://example.com/%0Atop.__xss=4", links: [] },
      { text: "data:text/html,<script>top.__xss=5</script> vbscript:x", links: [] },
      { text: "see www.example.org/wiki/Chat_(app)).", links: [["www.example.org/wiki/Chat_(app)", "https://www.example.org/wiki/Chat_(app)"]] },
      { text: "看这里：https://例子.测试/路径。谢谢", links: [["https://例子.测试/路径", "https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84"]] },
    ];
    for (const c of cases) await ok(sender.socket, "message", { room: "links", text: c.text });
    await expect.poll(() => texts(page)).toEqual(cases.map((c) => c.text));

    const anchors = await page.locator("#message-list li[data-id]").evaluateAll((items) =>
      items.map((li) =>
        Array.from((li as unknown as { querySelectorAll(s: string): ArrayLike<{ textContent: string; href: string; rel: string; target: string }> }).querySelectorAll("a")).map((a) => [a.textContent, a.href, a.rel, a.target]),
      ),
    );
    expect(anchors).toEqual(cases.map((c) => c.links.map(([text, href]) => [text, href, "noopener noreferrer", "_blank"])));
    expect(await page.locator("#message-list img, #message-list script, #message-list [onmouseover]").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    await context.close();
  });

  it("when the tab is hidden, then a private message or a mention raises a notification and the title counts unread; permission is asked only on a click", async () => {
    const context = await env.browser.newContext({ ...speaking("en"), permissions: ["notifications"] });
    await context.addInitScript(() => {
      type NotificationClass = { new (title: string, o?: { body?: string }): object; permission: string; requestPermission(): Promise<string> };
      const g = globalThis as unknown as PageGlobals & { Notification: NotificationClass };
      // The page under test decides what to notify; this records what it asked for and passes it on.
      const Real = g.Notification;
      g.__notifications = [];
      g.__permissionRequests = 0;
      class Recorded extends Real {
        constructor(title: string, options?: { body?: string }) {
          g.__notifications!.push({ title, body: options?.body ?? "" });
          super(title, options);
        }
        static override requestPermission(): Promise<string> {
          g.__permissionRequests!++;
          return Real.requestPermission();
        }
        static override get permission(): string {
          return Real.permission;
        }
      }
      g.Notification = Recorded;
      const doc = g.document as unknown as object;
      Object.defineProperty(doc, "hidden", { get: () => g.__hidden === true });
      Object.defineProperty(doc, "visibilityState", { get: () => (g.__hidden ? "hidden" : "visible") });
    });
    const page = await context.newPage();
    await page.goto(env.server.url);
    await page.fill("#name", "Alice");
    await page.click("#login-form button[type=submit]");
    await page.locator('#conn[data-state="connected"]').waitFor();
    await page.click('button[data-room="chat"]');
    expect(await page.textContent("#notify")).toBe("Notifications are on");
    const aliceSocket = (await page.textContent("#me-socket"))!;

    const setHidden = (hidden: boolean) =>
      page.evaluate((h) => {
        const g = globalThis as unknown as PageGlobals;
        g.__hidden = h;
        g.document.dispatchEvent(new g.Event("visibilitychange"));
      }, hidden);
    const recorded = () => page.evaluate(() => (globalThis as unknown as PageGlobals).__notifications ?? []);

    const bob = await connectClient(env.server.url, { name: "Bob" });
    await ok(bob.socket, "join", "chat");
    await setHidden(true);
    await ok(bob.socket, "private message", { to: aliceSocket, text: "are you there?" });
    await expect.poll(recorded).toEqual([{ title: "Bob (private)", body: "are you there?" }]);
    expect(await page.title()).toBe("(1) Rooms");

    await ok(bob.socket, "message", { room: "chat", text: "nothing for anyone in particular" });
    await ok(bob.socket, "message", { room: "chat", text: "@Alice look at this" });
    await expect.poll(recorded).toHaveLength(2);
    expect((await recorded())[1]).toEqual({ title: "Bob in #chat", body: "@Alice look at this" });
    expect(await page.title()).toBe("(3) Rooms");

    await setHidden(false);
    expect(await page.title()).toBe("Rooms");
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__permissionRequests)).toBe(0);
    await context.close();

    // Without a decision yet, loading the page asks nothing; the button asks.
    const fresh = await env.browser.newContext();
    await fresh.addInitScript(() => {
      const g = globalThis as unknown as PageGlobals & { Notification: { requestPermission(): Promise<string> } };
      const real = g.Notification.requestPermission.bind(g.Notification);
      g.__permissionRequests = 0;
      g.Notification.requestPermission = () => {
        g.__permissionRequests!++;
        return real();
      };
    });
    const second = await fresh.newPage();
    await second.goto(env.server.url);
    await second.fill("#name", "Carol");
    await second.click("#login-form button[type=submit]");
    await second.locator('#conn[data-state="connected"]').waitFor();
    expect(await second.evaluate(() => (globalThis as unknown as PageGlobals).__permissionRequests)).toBe(0);
    expect(await second.textContent("#notify")).toBe("Turn on notifications");
    await second.click("#notify");
    await expect.poll(() => second.evaluate(() => (globalThis as unknown as PageGlobals).__permissionRequests)).toBe(1);
    await fresh.close();
  });
});
