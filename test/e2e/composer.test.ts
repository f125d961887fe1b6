/**
 * The composer in the page: the text limit (no silent cut, a counter, a
 * refusal that keeps the text), one draft per conversation kept across
 * reloads, Up to edit one's last message, the emoji panel by keyboard (and
 * by thumb), the Chinese reply banner, and typing in private conversations.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../server/protocol.js";
import { seriousViolations } from "../helpers/axe.js";
import { enter, PHONE, speaking } from "../helpers/browser.js";
import { collectMessages, connectClient, flush, ok } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

type Sent = { message: ChatMessage };
type FocusGlobals = { document: { activeElement: { id: string; dataset: Record<string, string> } | null } };

const texts = (page: Page) => page.locator("#message-list li[data-id] .text").allTextContents();
const line = (page: Page, text: string) => page.locator("#message-list li.msg", { has: page.locator(".text", { hasText: text }) });
/** The id, or the emoji, of what has the keyboard focus. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = (globalThis as unknown as FocusGlobals).document.activeElement;
    return active?.dataset.emoji ?? active?.id ?? "";
  });
const tabStops = (panel: Locator) => panel.locator('button[tabindex="0"]').count();

async function send(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
  await line(page, text).waitFor();
}

describe("the composer", () => {
  const env = useServerAndBrowser({ RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" });

  it("when a text over the limit is pasted, then all of it stays, a counter warns, and Enter refuses to send it with a message next to the field", async () => {
    const listener = await connectClient(env.server.url, { name: "Listener" });
    await ok(listener.socket, "join", "chat");
    const received = collectMessages(listener.socket);
    const { context, page } = await enter(env.browser, env.server.url, "Ada");
    await page.click('button[data-room="chat"]');

    // Well below the limit: no counter.
    await page.fill("#text", "a".repeat(1799));
    expect(await page.isHidden("#text-count")).toBe(true);

    // A paste of 2,500 characters keeps them all.
    await page.fill("#text", "");
    await page.focus("#text");
    await page.keyboard.insertText("x".repeat(2500));
    expect((await page.inputValue("#text")).length).toBe(2500);
    expect(await page.textContent("#text-count")).toBe("2,500 / 2,000");
    expect(await page.getAttribute("#text-count", "class")).toContain("over");
    expect(await page.textContent("#text-count-live")).toBe("500 characters over the limit");
    expect(await page.getAttribute("#text", "aria-invalid")).toBe("true");
    expect(await page.getAttribute("#text", "aria-describedby")).toContain("text-error");
    expect(await page.textContent("#text-error")).toBe("");

    await page.press("#text", "Enter");
    expect(await page.textContent("#text-error")).toBe("Too long to send: 2,500 characters, and the limit is 2,000. Shorten it, then send it.");
    expect(await page.getAttribute("#text-error", "role")).toBe("alert");
    expect((await page.inputValue("#text")).length).toBe(2500);
    expect(await seriousViolations(page)).toEqual([]);
    await page.click("#send");
    expect((await page.inputValue("#text")).length).toBe(2500);
    await flush(listener.socket);
    expect(received).toEqual([]);
    expect(await texts(page)).toEqual([]);

    // Emoji and Chinese characters count one each, as the server counts them; once short enough, the refusal goes.
    await page.fill("#text", "");
    await page.keyboard.insertText(`${"读".repeat(1000)}${"😀".repeat(950)}`);
    expect(await page.textContent("#text-count")).toBe("1,950 / 2,000");
    expect(await page.getAttribute("#text-count", "class")).not.toContain("over");
    expect(await page.textContent("#text-count-live")).toBe("50 characters left");
    expect(await page.textContent("#text-error")).toBe("");
    expect(await page.getAttribute("#text", "aria-invalid")).toBeNull();
    await page.press("#text", "Enter");
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]!.text).toBe(`${"读".repeat(1000)}${"😀".repeat(950)}`);
    expect(await page.inputValue("#text")).toBe("");
    expect(await page.isHidden("#text-count")).toBe(true);
    await context.close();
  });

  it("when a conversation is left with a draft, then it waits there — not in the next one — and survives a reload until it is sent", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Bea");
    await page.click('button[data-room="chat"]');
    await page.fill("#text", "half-written thought");
    await page.click('button[data-room="study"]');
    await expect.poll(() => page.textContent("#channel-title")).toBe("# study");
    expect(await page.inputValue("#text")).toBe("");
    await page.fill("#text", "for the study room");
    await page.click('#channel-list button[data-channel="room:chat"]');
    await expect.poll(() => page.inputValue("#text")).toBe("half-written thought");

    await page.reload();
    await page.locator('#conn[data-state="connected"]').waitFor();
    await expect.poll(() => page.textContent("#channel-title")).toBe("# chat");
    expect(await page.inputValue("#text")).toBe("half-written thought");
    await page.click('#channel-list button[data-channel="room:study"]');
    await expect.poll(() => page.inputValue("#text")).toBe("for the study room");

    // Sent: gone from the box and from storage; the other draft stays.
    await page.press("#text", "Enter");
    await line(page, "for the study room").waitFor();
    expect(await page.inputValue("#text")).toBe("");
    await page.reload();
    await page.locator('#conn[data-state="connected"]').waitFor();
    await expect.poll(() => page.textContent("#channel-title")).toBe("# study");
    expect(await page.inputValue("#text")).toBe("");
    await page.click('#channel-list button[data-channel="room:chat"]');
    await expect.poll(() => page.inputValue("#text")).toBe("half-written thought");
    expect(await texts(page)).not.toContain("half-written thought");
    await context.close();
  });

  it("when Up is pressed in an empty box, then the person's newest message here that is not deleted comes up for editing", async () => {
    const other = await connectClient(env.server.url, { name: "Other" });
    await ok(other.socket, "join", "chat");
    const { context, page } = await enter(env.browser, env.server.url, "Cal");
    await page.click('button[data-room="chat"]');
    await send(page, "frist try");
    await send(page, "a mistake");
    // Someone else speaking last does not matter: Up means one's own message.
    const theirs = await ok<Sent>(other.socket, "message", { room: "chat", text: "not yours" });
    await line(page, theirs.message.text).waitFor();

    // Deleted messages are skipped.
    const mistake = line(page, "a mistake");
    await mistake.hover();
    await mistake.locator('button[data-action="delete"]').click();
    await page.locator("#delete-modal.show").waitFor();
    await page.click("#delete-confirm");
    await line(page, "message deleted").waitFor();
    await page.locator("#delete-modal.show").waitFor({ state: "detached" });

    // Not with text in the box.
    await page.fill("#text", "x");
    await page.press("#text", "ArrowUp");
    expect(await page.inputValue("#text")).toBe("x");
    expect(await page.isHidden("#composer-context")).toBe(true);

    await page.fill("#text", "");
    await page.press("#text", "ArrowUp");
    expect(await page.inputValue("#text")).toBe("frist try");
    expect(await page.textContent("#composer-context-text")).toBe("Editing your message");
    expect(await page.textContent("#send")).toBe("Save");
    await page.fill("#text", "first try");
    await page.press("#text", "Enter");
    await expect.poll(() => line(page, "first try").locator(".edited").textContent()).toBe("(edited)");
    expect(await line(page, "frist try").count()).toBe(0);
    expect(await page.inputValue("#text")).toBe("");
    await context.close();
  });

  it("when the emoji panel is used by keyboard, then it is one tab stop, arrows move through the grid, Enter inserts and Escape returns to the button", async () => {
    // Reduced motion: the audit below measures colours as they settle, not halfway through a transition.
    const { context, page } = await enter(env.browser, env.server.url, "Dee", { reducedMotion: "reduce" });
    await page.click('button[data-room="chat"]');
    await expect.poll(() => page.textContent("#channel-title")).toBe("# chat");
    const panel = page.locator("#emoji-panel");
    expect(await panel.getAttribute("role")).toBe("grid");
    await page.fill("#text", "nice ");
    await page.focus("#emoji-button");
    await page.keyboard.press("Enter");
    await panel.waitFor();
    expect(await page.getAttribute("#emoji-button", "aria-expanded")).toBe("true");
    expect(await focused(page)).toBe("😀");
    expect(await tabStops(panel)).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    const moves: [string, string][] = [
      ["ArrowRight", "😂"],
      ["ArrowDown", "😴"],
      ["End", "💪"],
      ["ArrowDown", "💡"],
      ["Home", "🎉"],
      ["ArrowLeft", "💪"],
      ["Control+End", "🚀"],
      ["ArrowRight", "🚀"],
      ["ArrowDown", "🚀"],
      ["Control+Home", "😀"],
      ["ArrowUp", "😀"],
      ["ArrowDown", "😡"],
      ["ArrowDown", "🎉"],
    ];
    for (const [key, emoji] of moves) {
      await page.keyboard.press(key);
      expect(await focused(page), key).toBe(emoji);
      expect(await tabStops(panel)).toBe(1);
    }
    await page.keyboard.press("Enter");
    expect(await page.inputValue("#text")).toBe("nice 🎉");
    expect(await panel.isHidden()).toBe(true);
    expect(await focused(page)).toBe("text");

    // Opening again comes back to the emoji last used; Space inserts too; Escape closes, back on the button.
    await page.focus("#emoji-button");
    await page.keyboard.press("Space");
    await panel.waitFor();
    expect(await focused(page)).toBe("🎉");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Space");
    expect(await page.inputValue("#text")).toBe("nice 🎉❤️");
    await page.focus("#emoji-button");
    await page.keyboard.press("Enter");
    await panel.waitFor();
    await page.keyboard.press("Escape");
    expect(await panel.isHidden()).toBe(true);
    expect(await focused(page)).toBe("emoji-button");
    expect(await page.getAttribute("#emoji-button", "aria-expanded")).toBe("false");

    // Tab leaves the panel — one stop — for the next control (attach files), and closes it.
    await page.keyboard.press("Enter");
    await panel.waitFor();
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("attach-button");
    expect(await panel.isHidden()).toBe(true);
    await context.close();
  });

  it("when the emoji panel opens on a phone, then its emoji are thumb-sized, it fits the screen, and Down moves by its shorter rows", async () => {
    const { context, page } = await enter(env.browser, env.server.url, "Eli", PHONE);
    await page.tap("#emoji-button");
    const panel = page.locator("#emoji-panel");
    await panel.waitFor();
    const box = (await panel.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    for (const button of await panel.locator("button").all()) {
      const b = (await button.boundingBox())!;
      expect(b.width).toBeGreaterThanOrEqual(44);
      expect(b.height).toBeGreaterThanOrEqual(44);
    }
    expect(await panel.locator('[role="row"]').first().locator("button").count()).toBe(6);
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toBe("😮");
    await panel.locator('button[data-emoji="👍"]').tap();
    expect(await page.inputValue("#text")).toBe("👍");
    expect(await panel.isHidden()).toBe(true);
    await context.close();
  });

  it("when someone replies in Chinese, then the banner uses the Chinese colon", async () => {
    const writer = await connectClient(env.server.url, { name: "Writer" });
    await ok(writer.socket, "join", "chat");
    await ok(writer.socket, "message", { room: "chat", text: "明天见" });
    const { context, page } = await enter(env.browser, env.server.url, "小明", speaking("zh-CN"));
    await page.click('button[data-room="chat"]');
    const message = line(page, "明天见");
    await message.hover();
    await message.locator('button[data-action="reply"]').click();
    expect(await page.textContent("#composer-context-text")).toBe("回复 Writer：明天见");
    await context.close();
  });

  it("when someone types in a private conversation, then the other person sees it there, and not in a room", async () => {
    const ann = await enter(env.browser, env.server.url, "Ann");
    const ben = await enter(env.browser, env.server.url, "Ben");
    for (const p of [ann, ben]) await p.page.click('button[data-room="study"]');
    // In a room, as before.
    await ann.page.locator("#text").pressSequentially("hm");
    await expect.poll(() => ben.page.textContent("#typing")).toBe("Ann is typing…");
    await ann.page.fill("#text", "");
    for (const p of [ann, ben]) await p.page.click('button[data-room="chat"]');
    await ann.page.locator("#online-list .person-open", { hasText: "Ben" }).click();
    await ben.page.locator("#online-list .person-open", { hasText: "Ann" }).click();
    await expect.poll(() => ben.page.textContent("#channel-title")).toContain("Ann");

    await ann.page.locator("#text").pressSequentially("are you th");
    await expect.poll(() => ben.page.textContent("#typing")).toBe("Ann is typing…");
    // Sending ends it.
    await ann.page.press("#text", "Enter");
    await line(ben.page, "are you th").waitFor();
    await expect.poll(() => ben.page.textContent("#typing")).toBe("");

    // Ben looks at a room: Ann typing to him privately does not show there.
    await ben.page.click('#channel-list button[data-channel="room:chat"]');
    await ann.page.locator("#text").pressSequentially("ere?");
    await ben.page.waitForTimeout(500);
    expect(await ben.page.textContent("#typing")).toBe("");
    // Back in the conversation with Ann, within the 4 s she is still typing.
    await ben.page.click(`#channel-list button[data-channel^="dm:"]`);
    await expect.poll(() => ben.page.textContent("#typing")).toBe("Ann is typing…");

    // Slow typing, a key a second for 7 s: it keeps showing (the page says it again every 3 s; a notice lasts 4 s).
    await ann.page.fill("#text", "");
    await ann.page.waitForTimeout(3000);
    await expect.poll(() => ben.page.textContent("#typing")).toBe("");
    for (const key of "slowly.") {
      await ann.page.locator("#text").pressSequentially(key);
      await ann.page.waitForTimeout(1000);
    }
    expect(await ben.page.textContent("#typing")).toBe("Ann is typing…");
    await ann.context.close();
    await ben.context.close();
  });
});
