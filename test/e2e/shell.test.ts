/**
 * The page around the conversation, as people meet it: signing in (what is
 * wrong with a name, said plainly), where focus lands, the header on the
 * narrowest phones, the rooms panel keeping focus while it refreshes, room
 * name errors next to their field, and the newest message staying in view
 * when an on-screen keyboard takes half the screen.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { DESKTOP, enter, PHONE, speaking } from "../helpers/browser.js";
import { connectClient, ok } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

/** The browser globals the page functions below touch (the tests compile without the DOM lib). */
type Node = {
  id: string;
  tagName: string;
  dataset: Record<string, string | undefined>;
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): { top: number; bottom: number; left: number; width: number; height: number };
  contains(other: Node | null): boolean;
};
type Globals = {
  document: {
    activeElement: Node | null;
    querySelector(selector: string): Node | null;
    elementFromPoint(x: number, y: number): Node | null;
  };
  marked?: Node | null;
};

/** Where focus is: the focused element's id, or its data-room, or its tag. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = (globalThis as unknown as Globals).document.activeElement;
    return active?.id || (active?.dataset.room ? `room:${active.dataset.room}` : (active?.tagName ?? "")).toString();
  });
}

describe("the page around the conversation", () => {
  const env = useServerAndBrowser();

  it("when someone has not signed in yet, then no connection badge claims they are offline", async () => {
    const context = await env.browser.newContext(DESKTOP);
    const page = await context.newPage();
    await page.goto(env.server.url);
    expect(await page.isVisible("#conn")).toBe(false);
    await page.fill("#name", "Badge");
    await page.click("#login-form button[type=submit]");
    await page.locator('#conn[data-state="connected"]').waitFor();
    expect(await page.isVisible("#conn")).toBe(true);
    await context.close();
  });

  it("when a name is refused, then the error says what is wrong with it, in English and in Chinese, and focus stays in the field", async () => {
    const context = await env.browser.newContext({ ...DESKTOP, ...speaking("en") });
    const page = await context.newPage();
    await page.goto(env.server.url);
    const attempt = async (name: string) => {
      await page.fill("#name", name);
      await page.click("#login-form button[type=submit]");
      return page.textContent("#login-error");
    };
    expect(await attempt("a@b")).toBe("“@” can't be used in a name. Use letters, digits, spaces, _ . -");
    expect(await page.getAttribute("#name", "aria-invalid")).not.toBeNull();
    expect(await focused(page)).toBe("name");
    expect(await attempt("x".repeat(30))).toBe("That name has 30 characters; the most is 24.");
    // Not cut to 24 characters behind the person's back.
    expect(await page.inputValue("#name")).toHaveLength(30);
    expect(await attempt("...")).toBe("A name needs at least one letter or digit.");
    expect(await attempt("   ")).toBe("Type a name to enter.");
    await page.selectOption("#lang", "zh-CN");
    expect(await attempt("小明🙂")).toBe("名字里不能用“🙂”。请使用文字、数字、空格、_ . -");
    expect(await page.isVisible("#main")).toBe(false);

    // A good name clears the error and enters.
    await page.fill("#name", "小明");
    await page.click("#login-form button[type=submit]");
    await page.locator('#conn[data-state="connected"]').waitFor();
    expect(await page.getAttribute("#name", "aria-invalid")).toBeNull();
    await context.close();
  });

  it("when someone signs in or opens a room by keyboard, then focus lands in the message box, inside the page's one main landmark", async () => {
    const context = await env.browser.newContext(DESKTOP);
    const page = await context.newPage();
    await page.goto(env.server.url);
    await page.locator("#name").focus();
    await page.keyboard.type("Kim");
    await page.keyboard.press("Enter");
    await page.locator('#conn[data-state="connected"]').waitFor();
    await expect.poll(() => focused(page)).toBe("text");
    expect(await page.locator("main:visible").count()).toBe(1);
    expect(await page.evaluate(() => {
      const { document } = globalThis as unknown as Globals;
      return document.querySelector("main:not([hidden])")?.contains(document.activeElement) ?? false;
    })).toBe(true);

    await page.locator('#room-list button[data-room="study"]').focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#channel-title")).toBe("# study");
    await expect.poll(() => focused(page)).toBe("text");

    await page.locator('#channel-list button[data-channel="broadcast"]').focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#channel-title")).toBe("Everyone");
    await expect.poll(() => focused(page)).toBe("text");
    await context.close();
  });

  it("when the room list refreshes while a room's row has focus, then the row keeps both its node and the focus", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Fay", DESKTOP);
    // In the room, the page hears of people coming and asks for the room counts again soon after.
    await page.click('#room-list button[data-room="chat"]');
    await expect.poll(() => page.textContent("#channel-title")).toBe("# chat");
    const row = page.locator('#room-list button[data-room="chat"]');
    await row.focus();
    await page.evaluate(() => {
      const g = globalThis as unknown as Globals;
      g.marked = g.document.activeElement;
    });
    const count = () => page.textContent('#room-list button[data-room="chat"] .count');
    const before = Number(await count());
    const others = await Promise.all([1, 2, 3].map((i) => connectClient(env.server.url, { name: `Joiner${i}` })));
    for (const other of others) await ok(other.socket, "join", "chat");
    await expect.poll(async () => Number(await count()), { timeout: 10_000 }).toBe(before + 3);
    expect(await page.evaluate(() => {
      const g = globalThis as unknown as Globals;
      return g.document.activeElement === g.marked && g.marked?.dataset.room === "chat";
    })).toBe(true);
    for (const other of others) other.socket.disconnect();
    await context.close();
  });

  it("when a phone creates a room with a bad name, then the error shows next to the field inside the open panel", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Rui", { ...PHONE, ...speaking("zh-CN") });
    await page.click("#open-sidebar");
    await page.locator("#sidebar.show").waitFor();
    await page.fill("#new-room", "no spaces allowed");
    await page.press("#new-room", "Enter");
    const error = page.locator("#new-room-error");
    await expect.poll(() => error.textContent()).toBe("房间名里不能用“空格”。请使用文字、数字、_ 或 -。");
    expect(await page.getAttribute("#new-room", "aria-invalid")).not.toBeNull();
    expect(await page.getAttribute("#new-room", "aria-describedby")).toContain("new-room-error");
    // Visible, on top (not behind the panel), and right under the field.
    const onTop = await page.evaluate(() => {
      const { document } = globalThis as unknown as Globals;
      const box = document.querySelector("#new-room-error")!.getBoundingClientRect();
      const field = document.querySelector("#new-room")!.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + 4, box.top + box.height / 2);
      return { hit: hit?.id ?? "", gap: box.top - field.bottom };
    });
    expect(onTop.hit).toBe("new-room-error");
    expect(onTop.gap).toBeLessThan(24);
    expect(await page.isVisible("#sidebar.show")).toBe(true);
    await page.fill("#new-room", "x".repeat(40));
    await page.press("#new-room", "Enter");
    await expect.poll(() => error.textContent()).toBe("房间名最多 32 个字符，这个有 40 个。");

    // A good name clears it, joins, closes the panel and puts focus on the conversation's heading (no keyboard popping up).
    await page.fill("#new-room", "好名字");
    await page.press("#new-room", "Enter");
    await expect.poll(() => page.textContent("#channel-title")).toBe("# 好名字");
    expect(await error.textContent()).toBe("");
    await expect.poll(() => focused(page)).toBe("channel-title");
    await context.close();
  });

  for (const locale of ["en", "zh-CN"]) {
    it(`when the phone is 320 px wide (${locale}), then the app's name and the conversation's title are not cut, and the theme switch is in the rooms panel`, async () => {
      const { context, page } = await enter(env.browser, env.server.url, "Narrow", {
        viewport: { width: 320, height: 640 },
        isMobile: true,
        hasTouch: true,
        ...speaking(locale),
      });
      const cut = (selector: string) =>
        page.evaluate((s) => {
          const node = (globalThis as unknown as Globals).document.querySelector(s)!;
          return node.scrollWidth - node.clientWidth;
        }, selector);
      expect(await cut(".navbar-brand")).toBeLessThanOrEqual(0);
      expect(await cut("#channel-title")).toBeLessThanOrEqual(0);
      expect(await page.isVisible("#theme")).toBe(false);
      await page.click("#open-sidebar");
      await page.locator("#sidebar.show").waitFor();
        expect(await page.textContent("#theme-menu")).toBe(locale === "en" ? "Colour theme: Auto" : "颜色主题：跟随系统");
      await page.click("#theme-menu");
      await page.click("#theme-menu");
      expect(await page.getAttribute("html", "data-bs-theme")).toBe("dark");
      expect(await page.textContent("#theme-menu")).toBe(locale === "en" ? "Colour theme: Dark" : "颜色主题：深色");
      await context.close();
    });
  }

  it("when a phone opens the rooms panel, then every control there and in the header is at least 44 px tall", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Thumbs", PHONE);
    await page.click("#open-sidebar");
    await page.locator("#sidebar.show").waitFor();
    const small = await page.evaluate(() => {
      const { document } = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<Node & { offsetParent: unknown }> } };
      const controls = Array.from(document.querySelectorAll("header button, header select, #sidebar button, #sidebar input, #sidebar select"));
      return controls
        .filter((c) => c.offsetParent !== null)
        .map((c) => ({ id: c.id || c.dataset.room || c.dataset.channel || c.tagName, height: Math.round(c.getBoundingClientRect().height) }))
        .filter((c) => c.height < 44);
    });
    expect(small).toEqual([]);
    await context.close();
  });

  for (const [device, options] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    it(`when the people panel lists someone (${device}), then their name shows beside a small online dot`, async () => {
      const other = await connectClient(env.server.url, { name: "Dotty" });
      await ok(other.socket, "join", "chat");
      const { context, page } = await enter(env.browser, env.server.url, "Looker", options);
      if (device === "phone") {
        await page.click("#open-sidebar");
        await page.locator("#sidebar.show").waitFor();
      }
      await page.click('#room-list button[data-room="chat"]');
      if (device === "phone") {
        await page.locator("#sidebar.show").waitFor({ state: "detached" });
        await page.click("#open-people");
        await page.locator("#people.show").waitFor();
      }
      const row = page.locator("#online-list li.person", { hasText: "Dotty" });
      await row.waitFor();
      const sizes = await row.evaluate((li) => {
        const box = (selector: string) => (li as unknown as Node & { querySelector(s: string): Node }).querySelector(selector).getBoundingClientRect();
        return { dot: box(".presence-dot").width, name: box(".person-label").width };
      });
      expect(sizes.dot).toBeLessThan(16);
      expect(sizes.name).toBeGreaterThan(20);
      expect(await row.locator(".person-label").isVisible()).toBe(true);
      other.socket.disconnect();
      await context.close();
    });
  }

  it("when the on-screen keyboard opens (the viewport gets shorter), then the newest message stays in view", async () => {
    const talker = await connectClient(env.server.url, { name: "Talker" });
    await ok(talker.socket, "join", "study");
    // Enough to fill a phone's screen twice, slowly enough for the rate limit.
    for (let i = 1; i <= 8; i++) {
      await ok(talker.socket, "message", { room: "study", text: Array.from({ length: 6 }, (_, j) => `line ${i}.${j}`).join("\n") });
      await new Promise((r) => setTimeout(r, 150));
    }
    const { context, page } = await enter(env.browser, env.server.url, "Reader", PHONE);
    await page.click("#open-sidebar");
    await page.locator("#sidebar.show").waitFor();
    await page.click('#room-list button[data-room="study"]');
    await page.locator("#message-list li.msg", { hasText: "line 8.5" }).waitFor();
    await page.locator("#sidebar.show").waitFor({ state: "detached" });
    const newestVisible = () =>
      page.evaluate(() => {
        const { document } = globalThis as unknown as Globals;
        const pane = document.querySelector("#messages")!.getBoundingClientRect();
        const last = document.querySelector("#message-list li.msg:last-of-type")!.getBoundingClientRect();
        return last.bottom <= pane.bottom + 1 && last.top >= pane.top;
      });
    await expect.poll(newestVisible).toBe(true);
    await page.click("#text");
    await page.setViewportSize({ width: 375, height: 400 });
    const paneHeight = () => page.evaluate(() => (globalThis as unknown as Globals).document.querySelector("#messages")!.getBoundingClientRect().height);
    await expect.poll(paneHeight).toBeLessThan(300);
    await expect.poll(newestVisible).toBe(true);
    talker.socket.disconnect();
    await context.close();
  });
});
