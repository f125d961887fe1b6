/**
 * The message list as people work it: focus and a text selection survive
 * new messages and refreshes; the list is one Tab stop with arrow keys
 * between messages; actions by "…", Enter or a long press (never by a plain
 * tap), big enough for a finger; who reacted without hover; times of grouped
 * messages on phones; focus back on the message after the delete dialog; a
 * quote that turns into "message deleted" live; no serious axe findings.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../server/protocol.js";
import { seriousViolations } from "../helpers/axe.js";
import { DESKTOP, enter, PHONE, speaking } from "../helpers/browser.js";
import { connectClient, ok, type Client } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

type Sent = { message: ChatMessage };

/** The few DOM shapes the page functions below use (the tests compile without the DOM lib). */
type El = {
  tagName: string;
  tabIndex: number;
  textContent: string | null;
  closest(selector: string): El | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
  getBoundingClientRect(): { top: number; bottom: number; width: number; height: number };
} & Record<string, unknown>;
type G = {
  document: {
    activeElement: El | null;
    querySelector(selector: string): El | null;
    querySelectorAll(selector: string): ArrayLike<El>;
    createRange(): { setStart(node: unknown, offset: number): void; setEnd(node: unknown, offset: number): void };
    getSelection(): { toString(): string; removeAllRanges(): void; addRange(range: unknown): void } | null;
  };
  getComputedStyle(element: El): { opacity: string; display: string };
};

const line = (page: Page, text: string | RegExp) => page.locator("#message-list li.msg", { has: page.locator(".text", { hasText: text }) });

/** Where focus is: the message it is in, on the message itself or on which of its controls. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = (globalThis as unknown as G).document.activeElement;
    const item = active?.closest("li[data-id]") ?? null;
    return {
      id: item?.getAttribute("data-id") ?? "",
      onItem: active !== null && active === item,
      action: active?.getAttribute("data-action") ?? active?.getAttribute("data-react") ?? "",
      text: item?.querySelector(".text")?.textContent ?? "",
    };
  });

/** Every element in the list that Tab stops at. */
const tabStops = (page: Page) =>
  page.evaluate(() =>
    Array.from((globalThis as unknown as G).document.querySelectorAll("#message-list *"))
      .filter((e) => e.tabIndex >= 0)
      .map((e) => `${e.tagName.toLowerCase()}${e.getAttribute("data-id") ? `[${e.getAttribute("data-id")}]` : ""}`),
  );

/** A finger resting on the middle of `target` for `ms`, then lifted (Chromium's touch input, not synthetic DOM events). */
async function longPress(page: Page, target: Locator, ms = 800): Promise<void> {
  const box = (await target.boundingBox())!;
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [point] });
  await new Promise((resolve) => setTimeout(resolve, ms));
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

const size = async (target: Locator) => {
  const box = (await target.boundingBox())!;
  return { width: Math.round(box.width), height: Math.round(box.height) };
};

/** Opens (creating if needed) a room from the sidebar form. */
async function openRoom(page: Page, room: string): Promise<void> {
  await page.fill("#new-room", room);
  await page.press("#new-room", "Enter");
  await expect.poll(() => page.textContent("#channel-title")).toBe(`# ${room}`);
}

/** Ten messages from `from`, and a third person joining (the room counts refresh after a presence change). */
async function busyRoom(page: Page, url: string, from: Client, room: string, members: number): Promise<void> {
  for (let i = 1; i <= 10; i++) await ok(from.socket, "message", { room, text: `busy ${i}` });
  const visitor = await connectClient(url, { name: "Visitor" });
  await ok(visitor.socket, "join", room);
  await line(page, "busy 10").waitFor();
  await page.locator("#message-list li.system", { hasText: "Visitor joined" }).waitFor();
  // The sidebar's count comes from the room list the page fetches after presence changes.
  await expect.poll(() => page.textContent(`#room-list button[data-room="${room}"] .count`), { timeout: 8000 }).toBe(String(members + 1));
  visitor.socket.disconnect();
}

describe("the message list", () => {
  const env = useServerAndBrowser({ RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" });

  it("when ten messages arrive and the room counts refresh, then focus stays on the action button it was on, in the same node", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Alice", { ...DESKTOP, ...speaking("en") });
    await openRoom(page, "focus");
    const bob = await connectClient(env.server.url, { name: "Bob" });
    await ok(bob.socket, "join", "focus");
    await page.fill("#text", "mine to delete");
    await page.press("#text", "Enter");
    const mine = line(page, "mine to delete");
    await mine.waitFor();
    await expect.poll(() => page.textContent('#room-list button[data-room="focus"] .count'), { timeout: 8000 }).toBe("2");

    await mine.focus();
    await page.keyboard.press("Enter");
    expect((await focused(page)).action).toBe("reply");
    for (const action of ["react", "edit", "delete"]) {
      await page.keyboard.press("Tab");
      expect(await focused(page)).toMatchObject({ action, text: "mine to delete" });
    }
    await mine.evaluate((li) => {
      (li as unknown as Record<string, unknown>).__kept = true;
    });

    await busyRoom(page, env.server.url, bob, "focus", 2);
    expect(await focused(page)).toMatchObject({ action: "delete", text: "mine to delete" });
    expect(await mine.evaluate((li) => (li as unknown as Record<string, unknown>).__kept)).toBe(true);
    expect(await mine.locator('button[data-action="delete"]').isVisible()).toBe(true);
    await context.close();
  });

  it("when ten messages arrive and the room counts refresh, then a text selection inside a message survives", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Reader", { ...DESKTOP, ...speaking("en") });
    await openRoom(page, "select");
    const bob = await connectClient(env.server.url, { name: "Bob" });
    await ok(bob.socket, "join", "select");
    await ok(bob.socket, "message", { room: "select", text: "please select these words only" });
    const target = line(page, "please select these words only");
    await target.waitFor();
    await expect.poll(() => page.textContent('#room-list button[data-room="select"] .count'), { timeout: 8000 }).toBe("2");
    await target.locator(".text").evaluate((text) => {
      const g = globalThis as unknown as G;
      const range = g.document.createRange();
      // The first text node (the list's renderer puts comment markers around bound text).
      const node = Array.from((text as unknown as { childNodes: ArrayLike<{ nodeType: number }> }).childNodes).find((n) => n.nodeType === 3);
      range.setStart(node, "please ".length);
      range.setEnd(node, "please select these words".length);
      g.document.getSelection()!.removeAllRanges();
      g.document.getSelection()!.addRange(range);
    });
    const selection = () => page.evaluate(() => (globalThis as unknown as G).document.getSelection()?.toString() ?? "");
    expect(await selection()).toBe("select these words");

    await busyRoom(page, env.server.url, bob, "select", 2);
    expect(await selection()).toBe("select these words");
    await context.close();
  });

  it("when a 50-message room is worked by keyboard, then the list is one Tab stop and arrow keys, Home, End and PageUp move between messages", async () => {
    const bob = await connectClient(env.server.url, { name: "Bob" });
    await ok(bob.socket, "join", "keys");
    const sent: ChatMessage[] = [];
    for (let i = 1; i <= 50; i++) {
      const text = i % 10 === 0 ? `message ${i} see https://example.com/${i}` : `message ${i}`;
      const replyTo = i % 10 === 5 ? sent[i - 3]!.id : undefined;
      sent.push((await ok<Sent>(bob.socket, "message", { room: "keys", text, ...(replyTo ? { replyTo } : {}) })).message);
    }
    for (const i of [20, 40]) await ok(bob.socket, "react", { id: sent[i - 1]!.id, emoji: "👍", on: true });
    const { context, page } = await enter(env.browser, env.server.url, "Keys", { ...DESKTOP, ...speaking("en") });
    await openRoom(page, "keys");
    await expect.poll(() => page.locator("#message-list li[data-id]").count()).toBe(50);
    await expect.poll(() => page.locator("#message-list .reaction").count()).toBe(2);

    // One Tab stop in the whole list: the newest message.
    expect(await tabStops(page)).toEqual([`li[${sent[49]!.id}]`]);
    expect(await page.getAttribute("#messages", "tabindex")).toBeNull();

    // Shift+Tab from the composer reaches the list once, then leaves it.
    await page.locator("#text").focus();
    const visits: string[] = [];
    for (let i = 0; i < 12 && visits.length < 2; i++) {
      await page.keyboard.press("Shift+Tab");
      const where = await focused(page);
      if (where.id) visits.push(where.onItem ? where.text : `inside ${where.text}`);
      else if (visits.length === 1) break;
    }
    expect(visits).toEqual([sent[49]!.text]);
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatchObject({ id: sent[49]!.id, onItem: true });

    await page.keyboard.press("ArrowUp");
    expect(await focused(page)).toMatchObject({ id: sent[48]!.id, onItem: true });
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toMatchObject({ id: sent[48]!.id, onItem: true });
    // The Tab stop follows focus.
    expect(await tabStops(page)).toEqual([`li[${sent[48]!.id}]`]);
    await page.keyboard.press("Home");
    expect(await focused(page)).toMatchObject({ id: sent[0]!.id, onItem: true });
    await page.keyboard.press("PageDown");
    const afterPageDown = (await focused(page)).id;
    expect(sent.findIndex((m) => m.id === afterPageDown)).toBeGreaterThan(3);
    await page.keyboard.press("PageUp");
    expect(await focused(page)).toMatchObject({ id: sent[0]!.id, onItem: true });
    await page.keyboard.press("End");
    expect(await focused(page)).toMatchObject({ id: sent[49]!.id, onItem: true });
    // A grouped message names its sender to screen readers, and shows its time while focused.
    const newest = page.locator(`#message-list li[data-id="${sent[49]!.id}"]`);
    expect(await newest.getAttribute("class")).toContain("cont");
    expect(await newest.locator(".cont-meta .visually-hidden").textContent()).toBe("Bob");
    await expect.poll(() => newest.locator(".cont-meta").evaluate((meta) => (globalThis as unknown as G).getComputedStyle(meta as unknown as El).opacity)).toBe("1");
    expect(await page.locator(`#message-list li[data-id="${sent[48]!.id}"] .cont-meta`).evaluate((meta) => (globalThis as unknown as G).getComputedStyle(meta as unknown as El).opacity)).toBe("0");

    // Enter opens the message's actions: its own controls become Tab stops, Escape gives focus back to the message.
    await page.keyboard.press("Enter");
    expect(await focused(page)).toMatchObject({ id: sent[49]!.id, action: "reply" });
    expect(await page.locator(`#message-list li[data-id="${sent[49]!.id}"] .actions`).evaluate((bar) => (globalThis as unknown as G).getComputedStyle(bar as unknown as El).opacity)).toBe("1");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatchObject({ id: sent[49]!.id, action: "react" });
    await page.keyboard.press("Enter");
    expect(await focused(page)).toMatchObject({ id: sent[49]!.id, action: "👍" });
    await page.keyboard.press("Escape");
    expect(await focused(page)).toMatchObject({ id: sent[49]!.id, onItem: true });
    expect(await tabStops(page)).toEqual([`li[${sent[49]!.id}]`]);
    await context.close();
  });

  it("when a phone shows messages, then '…', actions, quick reactions, chips and quotes are 44 px targets, a tap opens nothing and a long press opens the actions under the message", async () => {
    const bob = await connectClient(env.server.url, { name: "Bob" });
    await ok(bob.socket, "join", "thumbs");
    const { context, page } = await enter(env.browser, env.server.url, "Thumb", { ...PHONE, ...speaking("en") });
    await page.click("#open-sidebar");
    await page.click('button[data-room="thumbs"]');
    await page.locator("#sidebar.show").waitFor({ state: "detached" });
    const first = (await ok<Sent>(bob.socket, "message", { room: "thumbs", text: "the first one" })).message;
    await ok(bob.socket, "message", { room: "thumbs", text: "tap me lightly", replyTo: first.id });
    const third = (await ok<Sent>(bob.socket, "message", { room: "thumbs", text: "press and hold me" })).message;
    await ok(bob.socket, "react", { id: third.id, emoji: "🎉", on: true });
    const held = line(page, "press and hold me");
    await held.locator('button[data-reaction="🎉"]').waitFor();

    // Grouped messages show their time on a phone; the sender is there for screen readers.
    const grouped = line(page, "tap me lightly");
    expect(await grouped.getAttribute("class")).toContain("cont");
    expect(await grouped.locator(".cont-meta time").isVisible()).toBe(true);
    expect(await grouped.locator(".cont-meta time").evaluate((time) => (globalThis as unknown as G).getComputedStyle(time as unknown as El).opacity)).toBe("1");
    expect(await grouped.locator(".cont-meta time").textContent()).toBe("just now");
    expect(await grouped.locator(".cont-meta .visually-hidden").textContent()).toBe("Bob");

    for (const target of [held.locator(".more"), held.locator('button[data-reaction="🎉"]'), grouped.locator(".reply-quote")]) {
      const box = await size(target);
      expect(box.width, (await target.getAttribute("class")) ?? "").toBeGreaterThanOrEqual(44);
      expect(box.height).toBeGreaterThanOrEqual(44);
    }
    expect(await page.locator("#message-list .more").count()).toBe(3);
    for (const more of await page.locator("#message-list .more").all()) expect(await more.isVisible()).toBe(true);

    // A plain tap on a message opens nothing, neither its actions nor anyone else's.
    const box = (await grouped.locator(".text").boundingBox())!;
    await page.touchscreen.tap(box.x + 20, box.y + box.height / 2);
    expect(await page.locator("#message-list li.open").count()).toBe(0);
    expect(await page.locator("#message-list .actions:visible").count()).toBe(0);

    // A long press opens the action bar, under the message (not over the one above).
    await longPress(page, held.locator(".text"));
    await expect.poll(() => held.getAttribute("class")).toContain("open");
    const bar = held.locator(".actions");
    expect(await bar.isVisible()).toBe(true);
    expect((await bar.boundingBox())!.y).toBeGreaterThanOrEqual((await held.locator(".text").boundingBox())!.y);
    expect(await held.locator(".more").getAttribute("aria-expanded")).toBe("true");
    for (const action of ["reply", "react"]) {
      const button = await size(bar.locator(`button[data-action="${action}"]`));
      expect(button.width).toBeGreaterThanOrEqual(44);
      expect(button.height).toBeGreaterThanOrEqual(44);
    }
    await bar.locator('button[data-action="react"]').tap();
    const quick = bar.locator(".quick-reactions button");
    await quick.first().waitFor();
    for (const emoji of await quick.all()) {
      const button = await size(emoji);
      expect(button.width).toBeGreaterThanOrEqual(44);
      expect(button.height).toBeGreaterThanOrEqual(44);
    }

    // "…" on another message opens that one's actions instead; tapping it again closes them.
    const other = line(page, "the first one");
    await other.locator(".more").tap();
    await expect.poll(() => other.getAttribute("class")).toContain("open");
    expect(await held.getAttribute("class")).not.toContain("open");
    await other.locator(".more").tap();
    await expect.poll(() => other.getAttribute("class")).not.toContain("open");
    expect(await page.locator("#message-list .actions:visible").count()).toBe(0);
    // A tap outside the message closes its actions too.
    await other.locator(".more").tap();
    await expect.poll(() => other.getAttribute("class")).toContain("open");
    await page.locator("#channel-title").tap();
    await expect.poll(() => other.getAttribute("class")).not.toContain("open");
    await context.close();
  });

  it("when a reaction chip is long-pressed on a phone, or its list asked for by keyboard, then the names of who reacted are shown as text; a tap still toggles one's own", async () => {
    const bob = await connectClient(env.server.url, { name: "Bob" });
    const carol = await connectClient(env.server.url, { name: "Carol" });
    for (const c of [bob, carol]) await ok(c.socket, "join", "who");
    const { context, page } = await enter(env.browser, env.server.url, "Dora", { ...PHONE, ...speaking("en") });
    await page.click("#open-sidebar");
    await page.click('button[data-room="who"]');
    await page.locator("#sidebar.show").waitFor({ state: "detached" });
    const liked = (await ok<Sent>(bob.socket, "message", { room: "who", text: "who likes this" })).message;
    for (const c of [bob, carol]) await ok(c.socket, "react", { id: liked.id, emoji: "👍", on: true });
    const item = line(page, "who likes this");
    const chip = item.locator('button[data-reaction="👍"]');
    await expect.poll(() => chip.textContent()).toBe("👍2");
    const who = item.locator(".reacted-by");
    expect(await who.isVisible()).toBe(false);

    await chip.tap();
    await expect.poll(() => chip.textContent()).toBe("👍3");
    expect(await chip.getAttribute("aria-pressed")).toBe("true");
    await longPress(page, chip);
    await expect.poll(() => who.isVisible()).toBe(true);
    expect(await who.textContent()).toBe("👍: 3 reactions, Bob, Carol, you");
    // The long press did not toggle the reaction again.
    expect(await chip.textContent()).toBe("👍3");

    const desk = await enter(env.browser, env.server.url, "Eve", { ...DESKTOP, ...speaking("en") });
    await openRoom(desk.page, "who");
    const deskItem = line(desk.page, "who likes this");
    await deskItem.locator('button[data-reaction="👍"]').waitFor();
    expect(await deskItem.locator(".reacted-by").isVisible()).toBe(false);
    await deskItem.focus();
    await desk.page.keyboard.press("Enter");
    for (let i = 0; i < 4 && (await focused(desk.page)).action !== "who"; i++) await desk.page.keyboard.press("Tab");
    expect(await focused(desk.page)).toMatchObject({ action: "who", text: "who likes this" });
    expect(await deskItem.locator('button[data-action="who"]').getAttribute("aria-expanded")).toBe("false");
    await desk.page.keyboard.press("Enter");
    await expect.poll(() => deskItem.locator(".reacted-by").isVisible()).toBe(true);
    expect(await deskItem.locator(".reacted-by").textContent()).toBe("👍: 3 reactions, Bob, Carol, Dora");
    expect(await deskItem.locator('button[data-action="who"]').getAttribute("aria-expanded")).toBe("true");
    await desk.page.keyboard.press("Escape");
    expect(await focused(desk.page)).toMatchObject({ text: "who likes this", onItem: true });
    expect(await deskItem.locator(".reacted-by").isVisible()).toBe(false);
    await desk.context.close();
    await context.close();
  });

  it("when the delete dialog closes by Escape, by its cancel button or by deleting, then focus is back on the message", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Deleter", { ...DESKTOP, ...speaking("en") });
    await openRoom(page, "dialog");
    for (const text of ["keep this one", "delete this one"]) {
      await page.fill("#text", text);
      await page.press("#text", "Enter");
    }
    const target = page.locator("#message-list li[data-id]", { has: page.locator(".text", { hasText: "delete this one" }) });
    await target.waitFor();
    const id = (await target.getAttribute("data-id"))!;
    const openDialog = async () => {
      await page.locator(`#message-list li[data-id="${id}"]`).focus();
      await page.keyboard.press("Enter");
      for (let i = 0; i < 4 && (await focused(page)).action !== "delete"; i++) await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.locator("#delete-modal.show").waitFor();
      // The dialog has taken focus.
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as G).document.activeElement?.closest("#delete-modal") != null)).toBe(true);
    };

    await openDialog();
    await page.keyboard.press("Escape");
    await page.locator("#delete-modal").waitFor({ state: "hidden" });
    await expect.poll(() => focused(page)).toMatchObject({ id, onItem: true });

    await openDialog();
    await page.click("#delete-modal [data-bs-dismiss=modal]");
    await page.locator("#delete-modal").waitFor({ state: "hidden" });
    await expect.poll(() => focused(page)).toMatchObject({ id, onItem: true });

    await openDialog();
    await page.click("#delete-confirm");
    await page.locator("#delete-modal").waitFor({ state: "hidden" });
    await line(page, "message deleted").waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ id, onItem: true, text: "message deleted" });
    await context.close();
  });

  it("when the quoted message is deleted by its author elsewhere, then a reply's quote turns into 'message deleted' in the reader's page", async () => {
    const bob = await connectClient(env.server.url, { name: "Bob" });
    const carol = await connectClient(env.server.url, { name: "Carol" });
    for (const c of [bob, carol]) await ok(c.socket, "join", "quotes");
    const { context, page } = await enter(env.browser, env.server.url, "Reader", { ...DESKTOP, ...speaking("en") });
    await openRoom(page, "quotes");
    const original = (await ok<Sent>(bob.socket, "message", { room: "quotes", text: "a hasty claim" })).message;
    await ok(carol.socket, "message", { room: "quotes", text: "are you sure?", replyTo: original.id });
    const quote = line(page, "are you sure?").locator(".reply-quote");
    await expect.poll(() => quote.locator(".quote-text").textContent()).toBe("a hasty claim");
    expect(await quote.textContent()).toBe("In reply to Boba hasty claim");

    await ok(bob.socket, "delete", { id: original.id });
    await expect.poll(() => quote.locator(".quote-text").textContent()).toBe("message deleted");
    expect(await quote.locator(".quote-from").textContent()).toBe("Bob");
    await context.close();
  });

  it("when a conversation has replies, reactions, grouped messages and an open action bar, then axe finds no serious violations (label-content-name-mismatch included), on desktop and phone, light and dark, English and Chinese", async () => {
    const bob = await connectClient(env.server.url, { name: "Bob" });
    await ok(bob.socket, "join", "audit");
    const first = (await ok<Sent>(bob.socket, "message", { room: "audit", text: "first, see https://example.com" })).message;
    await ok(bob.socket, "message", { room: "audit", text: "second in the same run", replyTo: first.id });
    await ok(bob.socket, "react", { id: first.id, emoji: "❤️", on: true });
    for (const [options, name, colorScheme, locale] of [
      [DESKTOP, "Auditor", "light", "en"],
      [PHONE, "Pocket", "dark", "zh-CN"],
    ] as const) {
      const { context, page } = await enter(env.browser, env.server.url, name, { ...options, ...speaking(locale), colorScheme });
      if (options === PHONE) {
        await page.click("#open-sidebar");
        await page.click('button[data-room="audit"]');
        await page.locator("#sidebar.show").waitFor({ state: "detached" });
      } else {
        await openRoom(page, "audit");
      }
      await page.fill("#text", `mine, from ${name}`);
      await page.press("#text", "Enter");
      const mine = line(page, `mine, from ${name}`);
      await mine.waitFor();
      await page.locator('#message-list button[data-reaction="❤️"]').waitFor();
      expect(await seriousViolations(page)).toEqual([]);

      const liked = line(page, "first, see");
      await liked.hover();
      await liked.locator(".more").click();
      await expect.poll(() => liked.getAttribute("class")).toContain("open");
      await liked.locator('button[data-action="react"]').click();
      await liked.locator('button[data-action="who"]').click();
      await liked.locator(".reacted-by").waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await context.close();
    }
  });
});
