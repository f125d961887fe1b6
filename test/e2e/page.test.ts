/**
 * The page as people meet it: in their language, on a phone or a desktop,
 * light or dark, and by keyboard. (Its accessibility audits, in every state
 * the page reaches, are in accessibility.test.ts.)
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { enter, PHONE, speaking } from "../helpers/browser.js";
import { connectClient, ok } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

type Box = { width: number; height: number };
type LayoutGlobals = {
  document: {
    documentElement: { scrollWidth: number; clientWidth: number };
    querySelector(selector: string): { getBoundingClientRect(): Box } | null;
  };
};

/** Sizes the phone tests check: the message column, the header, and sideways overflow. */
function layout(page: Page) {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as LayoutGlobals;
    const box = (selector: string) => document.querySelector(selector)?.getBoundingClientRect() ?? { width: 0, height: 0 };
    return {
      messageWidth: box("#message-list .text").width,
      listWidth: box("#message-list").width,
      headerHeight: box("header.app-header").height,
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  });
}

describe("the page in Chinese and English, on phones and desktops", () => {
  const env = useServerAndBrowser();

  it("when the browser asks for zh-CN, then the first paint is Chinese; switching to English sticks across a reload", async () => {
    const context = await env.browser.newContext(speaking("zh-CN"));
    const page = await context.newPage();
    const response = await page.goto(env.server.url);
    expect(response?.headers()["content-language"]).toBe("zh-CN");
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await page.title()).toBe("聊天室");
    expect(await page.textContent("#login h1")).toBe("起个名字");
    expect(await page.textContent("#login-form button[type=submit]")).toBe("进入聊天");
    expect(await page.locator("#lang option").allTextContents()).toEqual(["English", "中文"]);

    await page.selectOption("#lang", "en");
    expect(await page.getAttribute("html", "lang")).toBe("en");
    expect(await page.textContent("#login h1")).toBe("Pick a name");
    expect(await page.getAttribute("#name", "placeholder")).toBe("e.g. alice");
    expect(await page.textContent("#name-hint")).toBe("1–24 characters: letters, digits, spaces, _ . -");

    await page.reload();
    expect(await page.textContent("#login h1")).toBe("Pick a name");
    expect(await page.inputValue("#lang")).toBe("en");
    await context.close();
  });

  it("when an English browser enters and switches to 中文, then what scripts drew is translated too, dates included", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Lena", speaking("en-GB"));
    await page.click('button[data-room="study"]');
    await expect.poll(() => page.textContent("#channel-title")).toBe("# study");
    await page.fill("#text", "hello");
    await page.press("#text", "Enter");
    await page.locator("#message-list li.msg .text", { hasText: "hello" }).waitFor();
    expect(await page.textContent("#message-list li.day")).toBe("Today");
    expect(await page.textContent('#conn[data-state="connected"] .conn-text')).toBe("connected");

    await page.selectOption("#lang", "zh-CN");
    expect(await page.textContent("#message-list li.day")).toBe("今天");
    expect(await page.textContent("#message-list time")).toBe("刚刚");
    expect(await page.getAttribute("#message-list time", "title")).toMatch(/\d{4}年\d{1,2}月\d{1,2}日星期./);
    expect(await page.textContent("#conn .conn-text")).toBe("已连接");
    expect(await page.textContent("#leave")).toBe("离开房间");
    expect(await page.textContent("#me-name")).toBe("Lena（我）");
    expect(await page.getAttribute("#text", "placeholder")).toBe("输入消息");
    expect(await page.title()).toBe("聊天室");
    await context.close();
  });

  it("when a phone opens a room, then the conversation takes the full width, the header is one line and nothing scrolls sideways", async () => {
    const other = await connectClient(env.server.url, { name: "Desk" });
    await ok(other.socket, "join", "chat");
    const { context, page } = await enter(env.browser, env.server.url, "小明", { ...PHONE, ...speaking("zh-CN") });
    // The rooms are in a panel that slides in from a button in the header.
    expect(await page.isVisible("#room-list")).toBe(false);
    await page.click("#open-sidebar");
    await page.locator("#sidebar.show").waitFor();
    await page.click('button[data-room="chat"]');
    await page.locator("#sidebar.show").waitFor({ state: "detached" });
    await ok(other.socket, "message", { room: "chat", text: "一段很长的消息，用来检查手机上的消息宽度是否足够，不会每两三个字就换行。".repeat(2) });
    await page.locator("#message-list li.msg").waitFor();

    const sizes = await layout(page);
    expect(sizes.messageWidth).toBeGreaterThanOrEqual(300);
    expect(sizes.headerHeight).toBeLessThanOrEqual(56);
    expect(sizes.overflow).toBe(0);

    // The people panel slides in from the other side and closes with Escape.
    await page.click("#open-people");
    await page.locator("#people.show").waitFor();
    expect(await page.locator("#online-list li.person").count()).toBe(2);
    await page.keyboard.press("Escape");
    await page.locator("#people.show").waitFor({ state: "detached" });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe("open-people");
    await page.screenshot({ path: "docs/phone-zh-CN.png" });
    await context.close();
  });

  it("when only the keyboard is used, then a person can enter, open a room from the panel, write, and close panels with Escape", async () => {
    const context = await env.browser.newContext({ ...PHONE, ...speaking("en") });
    const page = await context.newPage();
    await page.goto(env.server.url);
    await page.locator("#name").focus();
    await page.keyboard.type("Keys");
    await page.keyboard.press("Enter");
    await page.locator('#conn[data-state="connected"]').waitFor();

    await page.locator("#open-sidebar").focus();
    await page.keyboard.press("Enter");
    await page.locator("#sidebar.show").waitFor();
    // Focus moves into the panel; Tab walks its controls in order until a room.
    let focused = "";
    for (let i = 0; i < 12 && focused !== "chat"; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute("data-room") ?? "");
    }
    expect(focused).toBe("chat");
    const outline = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { activeElement: unknown }; getComputedStyle(e: unknown): { outlineStyle: string } };
      return g.getComputedStyle(g.document.activeElement).outlineStyle;
    });
    expect(outline).not.toBe("none");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#channel-title")).toBe("# chat");
    await page.locator("#sidebar.show").waitFor({ state: "detached" });

    await page.locator("#text").focus();
    await page.keyboard.type("typed with keys");
    await page.keyboard.press("Enter");
    await page.locator("#message-list li.msg .text", { hasText: "typed with keys" }).waitFor();

    await page.locator("#open-sidebar").focus();
    await page.keyboard.press("Enter");
    await page.locator("#sidebar.show").waitFor();
    await page.keyboard.press("Escape");
    await page.locator("#sidebar.show").waitFor({ state: "detached" });
    await context.close();
  });

  it("when the system prefers dark, then the page is dark; the switch cycles the theme and remembers it", async () => {
    const context = await env.browser.newContext({ colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(env.server.url);
    expect(await page.getAttribute("html", "data-bs-theme")).toBe("dark");
    expect(await page.getAttribute("#theme", "aria-label")).toBe("Colour theme: Auto");
    await page.click("#theme");
    expect(await page.getAttribute("html", "data-bs-theme")).toBe("light");
    expect(await page.getAttribute("#theme", "aria-label")).toBe("Colour theme: Light");
    await page.reload();
    expect(await page.getAttribute("html", "data-bs-theme")).toBe("light");
    await page.click("#theme");
    expect(await page.getAttribute("html", "data-bs-theme")).toBe("dark");
    await context.close();
  });
});
