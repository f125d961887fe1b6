/**
 * A conversation's whole history in the page: a room of 1,200 messages read
 * back to its first, a search result and a quote far back opened where they
 * are and read both ways from there, the list bounded to a window of
 * messages, the reader's place kept while messages arrive, and the "new since
 * you last read" divider where unread messages start.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { roomChannel } from "../../server/channels/channel.js";
import { createIdGenerator } from "../../server/messages/message-id.js";
import type { ChatMessage, RoomInfo } from "../../server/protocol.js";
import { seriousViolations } from "../helpers/axe.js";
import { DESKTOP, enter, PHONE, speaking } from "../helpers/browser.js";
import { connectClient, ok } from "../helpers/client.js";
import { useInProcessServerAndBrowser, useServerAndBrowser } from "../helpers/e2e.js";
import { cutOff } from "../helpers/cut-off.js";
import { fileStorage, memoryStorage, tempDataDir } from "../helpers/storage.js";

const COUNT = 1200;
/** The words only one seeded message has, by its number. */
const WORDS: Record<number, string> = { 200: "zebrafish", 600: "walrus" };
const textOf = (n: number) => `message ${n}${WORDS[n] ? ` ${WORDS[n]}` : ""}`;

type Box = { top: number; bottom: number };
type El = {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  getBoundingClientRect(): Box;
  textContent: string | null;
  closest(selector: string): El | null;
  querySelector(selector: string): El | null;
};
type Doc = { document: { getElementById(id: string): El; activeElement: El | null; querySelector(selector: string): El | null } };

const texts = (page: Page) => page.locator("#message-list li[data-id] .text").allTextContents();
/** The numbers of the seeded messages shown, in order. */
const numbers = async (page: Page) => (await texts(page)).flatMap((t) => (/^message (\d+)/.exec(t) ? [Number(/^message (\d+)/.exec(t)![1])] : []));
const nodes = (page: Page) => page.locator("#message-list > li").count();
const message = (page: Page, text: string) => page.locator("#message-list li[data-id]", { has: page.locator(".text", { hasText: new RegExp(`^${text}$`) }) });
const scrollPane = (page: Page, to: "top" | "bottom") =>
  page.evaluate((where) => {
    const pane = (globalThis as unknown as Doc).document.getElementById("messages");
    pane.scrollTop = where === "top" ? 0 : pane.scrollHeight;
  }, to);
/** The text of the message that has the focus. */
const focusedText = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as Doc).document.activeElement?.closest("li[data-id]")?.querySelector(".text")?.textContent ?? "");
/** Where a message's top is, relative to the top of the scroll pane (px). */
const topOf = (page: Page, text: string) =>
  message(page, text).evaluate((li) => {
    const pane = (globalThis as unknown as Doc).document.getElementById("messages");
    return (li as unknown as El).getBoundingClientRect().top - pane.getBoundingClientRect().top;
  });
/** Whether a message is shown and (at least partly) inside the visible part of the pane. */
const inView = async (page: Page, text: string) =>
  (await message(page, text).count()) === 1 &&
  message(page, text).evaluate((li) => {
    const pane = (globalThis as unknown as Doc).document.getElementById("messages").getBoundingClientRect();
    const box = (li as unknown as El).getBoundingClientRect();
    return box.bottom > pane.top && box.top < pane.bottom;
  });

async function openRoom(page: Page, room: string): Promise<void> {
  await page.fill("#new-room", room);
  await page.press("#new-room", "Enter");
  await expect.poll(() => page.textContent("#channel-title")).toBe(`# ${room}`);
}

/** Scrolls to one end until `done`; each step waits for the next page. Returns the most list nodes seen. */
async function scrollUntil(page: Page, to: "top" | "bottom", done: () => Promise<boolean>): Promise<number> {
  let most = await nodes(page);
  for (let step = 0; step < 30 && !(await done()); step++) {
    const before = (await texts(page)).join("\n");
    await scrollPane(page, to);
    await expect.poll(async () => (await texts(page)).join("\n")).not.toBe(before);
    most = Math.max(most, await nodes(page));
  }
  expect(await done()).toBe(true);
  return most;
}

/**
 * Scrolls to one end and, once the next page is in (older messages added
 * above, or the oldest dropped from above), checks that the message at the
 * top of the pane stayed at the same pixel.
 */
async function keepsPlace(page: Page, to: "top" | "bottom"): Promise<void> {
  const before = (await texts(page)).join("\n");
  const seen = await page.evaluate((where) => {
    const doc = (globalThis as unknown as Doc & { document: { querySelectorAll(s: string): Iterable<El & { dataset: { id: string } }> } }).document;
    const pane = doc.getElementById("messages");
    pane.scrollTop = where === "top" ? 0 : pane.scrollHeight;
    const top = pane.getBoundingClientRect().top;
    for (const li of doc.querySelectorAll("#message-list li[data-id]")) {
      const box = li.getBoundingClientRect();
      if (box.bottom > top) return { id: li.dataset.id, top: box.top - top };
    }
    return undefined;
  }, to);
  expect(seen).toBeDefined();
  await expect.poll(async () => (await texts(page)).join("\n")).not.toBe(before);
  const after = await page.locator(`#message-list li[data-id="${seen!.id}"]`).evaluate((li) => {
    const pane = (globalThis as unknown as Doc).document.getElementById("messages");
    return (li as unknown as El).getBoundingClientRect().top - pane.getBoundingClientRect().top;
  });
  expect(Math.abs(after - seen!.top)).toBeLessThanOrEqual(1);
}

/** The numbers follow each other: the window holds no gap. */
function contiguous(ns: number[]): boolean {
  return ns.every((n, i) => i === 0 || n === ns[i - 1]! + 1);
}

describe("a whole history in the page", () => {
  const ids: string[] = [];
  const env = useServerAndBrowser(async () => {
    // 1,200 messages, a minute apart, written to the database file before the server opens it.
    const dataDir = tempDataDir();
    const storage = fileStorage(dataDir);
    await storage.init();
    const start = Date.now() - (COUNT + 60) * 60_000;
    let now = start;
    const makeId = createIdGenerator(() => now);
    const people = [
      { userId: "historian", name: "Historian", socketId: "gone" },
      { userId: "chronicler", name: "Chronicler", socketId: "gone" },
    ];
    for (let n = 1; n <= COUNT; n++) {
      now = start + n * 60_000;
      const id = makeId();
      ids.push(id);
      await storage.messages.insert({
        id,
        kind: "room",
        room: "long",
        from: people[n % 2]!,
        text: textOf(n),
        createdAt: new Date(now).toISOString(),
        channel: roomChannel("long"),
        key: `seed-${n}`,
      });
    }
    await storage.rooms.add("long");
    await storage.close();
    return { DATA_DIR: dataDir, RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" };
  });

  it("when the reader scrolls back through 1,200 messages, then they reach the first one and back down the newest, with the list bounded all the way", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Reader", DESKTOP);
    await openRoom(page, "long");
    await expect.poll(async () => (await numbers(page)).at(-1)).toBe(COUNT);

    // Older pages come in above what the reader looks at, without moving it.
    await keepsPlace(page, "top");
    await keepsPlace(page, "top");
    const mostUp = await scrollUntil(page, "top", async () => (await numbers(page))[0] === 1);
    expect((await texts(page))[0]).toBe("message 1");
    expect(await page.isHidden("#older")).toBe(true);
    expect(mostUp).toBeLessThanOrEqual(400);
    expect(contiguous(await numbers(page))).toBe(true);
    // Far from the newest: the way back is offered.
    expect(await page.isVisible("#newer")).toBe(true);
    expect(await page.textContent("#new-pill")).toBe("Jump to the newest messages ↓");
    // Newer pages come in below, and the oldest leave from above: still in place.
    await keepsPlace(page, "bottom");
    await keepsPlace(page, "bottom");

    const mostDown = await scrollUntil(page, "bottom", async () => (await numbers(page)).at(-1) === COUNT && (await page.isHidden("#newer")));
    expect(mostDown).toBeLessThanOrEqual(400);
    expect(contiguous(await numbers(page))).toBe(true);
    await expect.poll(() => page.isHidden("#new-pill")).toBe(true);
    await context.close();
  });

  it("when a phone reads far back, then Load older, Load newer and the way back to the newest are 44 px touch targets", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Thumb", PHONE);
    await page.click("#open-sidebar");
    await openRoom(page, "long");
    await expect.poll(async () => (await numbers(page)).at(-1)).toBe(COUNT);
    await scrollUntil(page, "top", () => page.isVisible("#newer"));
    for (const id of ["#older", "#newer", "#new-pill"]) expect((await page.locator(id).boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect(await nodes(page)).toBeLessThanOrEqual(400);
    await context.close();
  });

  it("when a search result 1,000 messages back is opened, then the conversation opens at it, focused, and reads on both ways and back to the newest", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Searcher", DESKTOP);
    await openRoom(page, "long");
    await expect.poll(async () => (await numbers(page)).at(-1)).toBe(COUNT);
    await page.fill("#search", "zebrafish");
    await page.press("#search", "Enter");
    await page.locator("#search-list button.search-hit").click();
    await expect.poll(() => focusedText(page)).toBe(textOf(200));
    expect(await inView(page, textOf(200))).toBe(true);

    // By keyboard: past the last message loaded, ArrowDown goes on into the next page once it is in; ArrowUp past the first, into the one before.
    const focusedNumber = async () => Number(/^message (\d+)/.exec(await focusedText(page))?.[1]);
    await page.keyboard.press("End");
    const last = await focusedNumber();
    await expect.poll(async () => {
      await page.keyboard.press("ArrowDown");
      return focusedText(page);
    }).toBe(textOf(last + 1));
    await page.keyboard.press("Home");
    const first = await focusedNumber();
    await expect.poll(async () => {
      await page.keyboard.press("ArrowUp");
      return focusedText(page);
    }).toBe(textOf(first - 1));

    await scrollUntil(page, "top", async () => (await numbers(page)).includes(150));
    await scrollUntil(page, "bottom", async () => (await numbers(page)).includes(260));
    expect(contiguous(await numbers(page))).toBe(true);
    expect(await nodes(page)).toBeLessThanOrEqual(400);

    await page.click("#new-pill");
    await expect.poll(async () => (await numbers(page)).at(-1)).toBe(COUNT);
    await expect.poll(() => page.isHidden("#new-pill")).toBe(true);
    expect(await inView(page, textOf(COUNT))).toBe(true);
    expect(contiguous(await numbers(page))).toBe(true);
    await context.close();
  });

  it("when the quote of a reply to a message 1,100 back is clicked, then the conversation opens at that message; opened again later, or written in, it is at the newest", async () => {
    const quoter = await connectClient(env.server.url, { name: "Quoter" });
    await ok(quoter.socket, "join", "long");
    await ok(quoter.socket, "message", { room: "long", text: "about the hundredth", replyTo: ids[99] });

    const { context, page } = await enter(env.browser, env.server.url, "Follower", DESKTOP);
    await openRoom(page, "long");
    await expect.poll(async () => (await texts(page)).at(-1)).toBe("about the hundredth");
    await message(page, "about the hundredth").locator("button[data-jump]").click();
    await expect.poll(() => focusedText(page)).toBe(textOf(100));
    expect(await inView(page, textOf(100))).toBe(true);
    // Read on from there, up and down.
    await scrollUntil(page, "bottom", async () => (await numbers(page)).includes(170));
    await scrollUntil(page, "top", async () => (await numbers(page)).includes(40));
    expect(contiguous(await numbers(page))).toBe(true);

    // Another conversation and back: the room opens at its newest again.
    await page.click('button[data-room="chat"]');
    await expect.poll(() => page.textContent("#channel-title")).toBe("# chat");
    await page.click('button[data-channel="room:long"]');
    await expect.poll(async () => (await texts(page)).at(-1)).toBe("about the hundredth");
    expect(await numbers(page)).not.toContain(100);

    // Writing while far back: the conversation goes to the newest, where the message is.
    await message(page, "about the hundredth").locator("button[data-jump]").click();
    await expect.poll(() => focusedText(page)).toBe(textOf(100));
    await page.fill("#text", "back to the present");
    await page.press("#text", "Enter");
    await expect.poll(async () => (await texts(page)).slice(-2)).toEqual(["about the hundredth", "back to the present"]);
    expect(await inView(page, "back to the present")).toBe(true);
    expect(await page.isHidden("#new-pill")).toBe(true);
    await context.close();
  });

  it("when 20 messages arrive while the reader reads further up, then what they read stays at the same pixel, near the newest and far back alike", async () => {
    const talker = await connectClient(env.server.url, { name: "Talker" });
    await ok(talker.socket, "join", "long");
    const { context, page } = await enter(env.browser, env.server.url, "Steady", DESKTOP);
    await openRoom(page, "long");
    await expect.poll(async () => (await numbers(page)).at(-1)).toBe(COUNT);

    // Near the newest: reading message 1,170, a screen and more above the end.
    await message(page, textOf(1170)).evaluate(async (li) => {
      (li as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: "center" });
      // The scroll event (which may page older messages in) comes with the next frames.
      const frame = (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame;
      await new Promise<void>((resolve) => frame(() => frame(resolve)));
    });
    await expect.poll(() => page.textContent("#older")).toBe("Load older messages");
    const before = await topOf(page, textOf(1170));
    for (let i = 1; i <= 20; i++) await ok(talker.socket, "message", { room: "long", text: `live ${i}` });
    await expect.poll(async () => (await texts(page)).at(-1)).toBe("live 20");
    await expect.poll(() => page.textContent("#new-pill")).toBe("20 new messages ↓");
    expect(Math.abs((await topOf(page, textOf(1170))) - before)).toBeLessThanOrEqual(1);

    // Far back: message 600's neighbourhood, opened from a search.
    await page.fill("#search", "walrus");
    await page.press("#search", "Enter");
    await page.locator("#search-list button.search-hit").click();
    await expect.poll(() => focusedText(page)).toBe(textOf(600));
    const far = await topOf(page, textOf(600));
    for (let i = 21; i <= 40; i++) await ok(talker.socket, "message", { room: "long", text: `live ${i}` });
    await expect.poll(() => page.textContent("#new-pill")).toBe("20 new messages ↓");
    expect(Math.abs((await topOf(page, textOf(600))) - far)).toBeLessThanOrEqual(1);
    expect((await texts(page)).some((t) => t.startsWith("live"))).toBe(false);

    // The pill goes to the newest, all 40 there.
    await page.click("#new-pill");
    await expect.poll(async () => (await texts(page)).at(-1)).toBe("live 40");
    expect((await texts(page)).filter((t) => t.startsWith("live"))).toEqual(Array.from({ length: 40 }, (_, i) => `live ${i + 1}`));
    await context.close();
  });

  it("when a room with unread messages is opened, then a divider marks the first of them and the room opens there; it passes an accessibility audit in both languages", async () => {
    for (const locale of ["en", "zh-CN"]) {
      const room = `unread-${locale}`.toLowerCase();
      const writer = await connectClient(env.server.url, { name: `Writer${locale === "en" ? "A" : "B"}` });
      await ok(writer.socket, "join", room);
      for (let i = 1; i <= 5; i++) await ok(writer.socket, "message", { room, text: `read ${i}` });

      const { context, page } = await enter(env.browser, env.server.url, locale === "en" ? "Returner" : "Huilai", { ...DESKTOP, ...speaking(locale) });
      await openRoom(page, room);
      await expect.poll(async () => (await texts(page)).at(-1)).toBe("read 5");
      // Reading elsewhere meanwhile.
      await page.click('button[data-room="chat"]');
      await expect.poll(() => page.textContent("#channel-title")).toBe("# chat");
      for (let i = 1; i <= 60; i++) await ok(writer.socket, "message", { room, text: `unread ${i}` });
      await expect.poll(() => page.textContent(`button[data-channel="room:${room}"]`)).toContain("60");

      await page.click(`button[data-channel="room:${room}"]`);
      const divider = page.locator("#message-list li.unread-divider");
      await divider.waitFor();
      expect(await divider.textContent()).toBe(locale === "en" ? "New since you last read" : "上次读到这里之后的新消息");
      // The divider sits right above the first unread message, near the top of the pane; the newest is out of sight.
      expect(await divider.evaluate((li) => (li as unknown as { nextElementSibling: El }).nextElementSibling.querySelector(".text")?.textContent)).toBe("unread 1");
      const at = await divider.evaluate((li) => {
        const pane = (globalThis as unknown as Doc).document.getElementById("messages").getBoundingClientRect();
        return (li as unknown as El).getBoundingClientRect().top - pane.top;
      });
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(100);
      expect(await inView(page, "unread 60")).toBe(false);
      expect(await seriousViolations(page)).toEqual([]);

      // Read to the end: the divider stays while the room is open, and the server learns how far it was read.
      await scrollPane(page, "bottom");
      await expect.poll(() => inView(page, "unread 60")).toBe(true);
      expect(await divider.count()).toBe(1);
      const saved = await page.evaluate(() => JSON.parse((globalThis as unknown as { localStorage: { getItem(k: string): string } }).localStorage.getItem("chat.v1")) as { name: string; token: string });
      const sameReader = await connectClient(env.server.url, { name: saved.name, token: saved.token });
      await expect
        .poll(async () => (await ok<{ rooms: RoomInfo[] }>(sameReader.socket, "rooms")).rooms.find((r) => r.name === room)?.unread, { timeout: 5000, interval: 600 })
        .toBe(0);
      sameReader.socket.disconnect();
      await context.close();
    }
  });

  it("when the page is reloaded on a room that got unread messages meanwhile, then the room reopens at its divider", async () => {
    const writer = await connectClient(env.server.url, { name: "Reloader" });
    await ok(writer.socket, "join", "reloaded");
    for (let i = 1; i <= 5; i++) await ok(writer.socket, "message", { room: "reloaded", text: `before ${i}` });
    const { context, page } = await enter(env.browser, env.server.url, "Comeback", DESKTOP);
    await openRoom(page, "reloaded");
    await expect.poll(async () => (await texts(page)).at(-1)).toBe("before 5");
    // Read to the end (the marker goes out within a second), then the tab is closed.
    await page.waitForTimeout(1500);
    await page.close();
    for (let i = 1; i <= 60; i++) await ok(writer.socket, "message", { room: "reloaded", text: `after ${i}` });

    const again = await context.newPage();
    await again.goto(env.server.url);
    await again.locator('#conn[data-state="connected"]').waitFor();
    await expect.poll(() => again.textContent("#channel-title")).toBe("# reloaded");
    const divider = again.locator("#message-list li.unread-divider");
    await divider.waitFor();
    expect(await divider.evaluate((li) => (li as unknown as { nextElementSibling: El }).nextElementSibling.querySelector(".text")?.textContent)).toBe("after 1");
    await expect.poll(() => inView(again, "after 1")).toBe(true);
    expect(await inView(again, "after 60")).toBe(false);
    await context.close();
  });

  it("when a private conversation has more unread messages than the page holds, then opening it finds the first unread one and shows the divider there", async () => {
    const context = await env.browser.newContext(DESKTOP);
    let page = await context.newPage();
    await page.goto(env.server.url);
    await page.fill("#name", "Dana");
    await page.click("#login-form button[type=submit]");
    await page.locator('#conn[data-state="connected"]').waitFor();
    const userId = await page.evaluate(() => (JSON.parse((globalThis as unknown as { localStorage: { getItem(k: string): string } }).localStorage.getItem("chat.v1")) as { userId: string }).userId);
    await page.close();

    // While Dana is away, 150 private messages.
    const pen = await connectClient(env.server.url, { name: "Penpal" });
    const sent: ChatMessage[] = [];
    for (let i = 1; i <= 150; i++) sent.push((await ok<{ message: ChatMessage }>(pen.socket, "private message", { toUser: userId, text: `letter ${i}` })).message);

    page = await context.newPage();
    await page.goto(env.server.url);
    await page.locator('#conn[data-state="connected"]').waitFor();
    const conversation = page.locator(`button[data-channel="dm:${pen.session.userId}"]`);
    await expect.poll(() => conversation.textContent()).toContain("150");
    await conversation.click();
    const divider = page.locator("#message-list li.unread-divider");
    await divider.waitFor();
    expect(await divider.evaluate((li) => (li as unknown as { nextElementSibling: El }).nextElementSibling.querySelector(".text")?.textContent)).toBe("letter 1");
    expect(await inView(page, "letter 1")).toBe(true);
    expect(await inView(page, "letter 150")).toBe(false);
    await scrollUntil(page, "bottom", async () => (await texts(page)).at(-1) === "letter 150");
    await context.close();
  });
});

describe("a reconnect while reading far back", () => {
  // In process: the test cuts the reader off by reaching into the server's Engine.IO.
  const env = useInProcessServerAndBrowser(async () => {
    const storage = memoryStorage();
    await storage.init();
    const start = Date.now() - 400 * 60_000;
    let now = start;
    const makeId = createIdGenerator(() => now);
    const from = { userId: "keeper", name: "Keeper", socketId: "gone" };
    for (let n = 1; n <= 300; n++) {
      now = start + n * 60_000;
      const id = makeId();
      const text = n === 20 ? "old 20 needle" : `old ${n}`;
      await storage.messages.insert({ id, kind: "room", room: "deep", from, text, createdAt: new Date(now).toISOString(), channel: roomChannel("deep"), key: `seed-${n}` });
    }
    await storage.rooms.add("deep");
    return { storage, env: { RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } };
  });

  it("when the connection drops while the reader is far back, then nothing lands in their window, and the newest holds everything once, in order", async () => {
    const talker = await connectClient(env.server.url, { name: "Talker" });
    await ok(talker.socket, "join", "deep");
    const { context, page } = await enter(env.browser, env.server.url, "Diver", DESKTOP);
    await openRoom(page, "deep");
    await expect.poll(async () => (await texts(page)).at(-1)).toBe("old 300");
    await page.fill("#search", "needle");
    await page.press("#search", "Enter");
    await page.locator("#search-list button.search-hit").click();
    await expect.poll(() => focusedText(page)).toBe("old 20 needle");
    const window = await texts(page);

    const reconnect = await cutOff(env.server, page);
    for (let i = 1; i <= 15; i++) await ok(talker.socket, "message", { room: "deep", text: `while away ${i}` });
    reconnect();
    await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20_000 });
    for (let i = 1; i <= 5; i++) await ok(talker.socket, "message", { room: "deep", text: `back ${i}` });
    // The five sent since, and the fifteen missed when the reconnection replays them.
    await expect.poll(() => page.textContent("#new-pill")).toMatch(/^(5|20) new messages ↓$/);
    expect(await texts(page)).toEqual(window);

    await page.click("#new-pill");
    await expect.poll(async () => (await texts(page)).at(-1)).toBe("back 5");
    const newest = await texts(page);
    const expected = [...Array.from({ length: 15 }, (_, i) => `while away ${i + 1}`), ...Array.from({ length: 5 }, (_, i) => `back ${i + 1}`)];
    expect(newest.slice(-21)).toEqual(["old 300", ...expected]);
    expect(new Set(newest).size).toBe(newest.length);
    await context.close();
  });
});
