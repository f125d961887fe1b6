import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { enter } from "../helpers/browser.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

const messageTexts = (page: Page) => page.locator("#message-list li .text").allTextContents();
const storedToken = (page: Page) => page.evaluate<string>('JSON.parse(localStorage.getItem("chat.v1")).token');

describe("chatting in the browser", () => {
  const env = useServerAndBrowser();

  it("when two people join chat, then they exchange room and private messages, and a reload keeps identity and history", async () => {
    const alice = await enter(env.browser, env.server.url, "Alice");
    const bob = await enter(env.browser, env.server.url, "小明");
    expect(await bob.page.textContent("#me-name")).toBe("小明 (you)");

    await alice.page.click('button[data-room="chat"]');
    await bob.page.click('button[data-room="chat"]');
    await expect.poll(() => alice.page.locator("#online-list li.person").count()).toBe(2);

    // Room message, shown to both with name and time.
    await alice.page.fill("#text", "hello <b>bob</b> 你好");
    await alice.page.press("#text", "Enter");
    await expect.poll(() => messageTexts(bob.page)).toContain("hello <b>bob</b> 你好");
    const line = bob.page.locator("#message-list li", { hasText: "hello" });
    expect(await line.locator(".from").textContent()).toBe("Alice");
    expect(await line.locator("time").textContent()).toBe("just now");
    expect(await line.locator("time").getAttribute("title")).toMatch(/\d{1,2}:\d{2}:\d{2}/);
    expect(await bob.page.locator("#message-list b").count()).toBe(0);

    // Private message: bob clicks alice in the people list (written to her, not to a socket).
    await bob.page.locator("#online-list .person-open", { hasText: "Alice" }).click();
    expect(await bob.page.textContent("#channel-title")).toBe("@ Alice");
    await bob.page.fill("#text", "just between us");
    await bob.page.press("#text", "Enter");
    await expect.poll(() => messageTexts(bob.page)).toContain("just between us");

    const dmTab = alice.page.locator(`#channel-list button[data-channel^="dm:"]`);
    await dmTab.waitFor();
    expect(await dmTab.textContent()).toContain("1");
    await dmTab.click();
    await expect.poll(() => messageTexts(alice.page)).toEqual(["just between us"]);

    // Reload: same identity, rooms and conversations come back with their history.
    const tokenBefore = await storedToken(alice.page);
    await alice.page.reload();
    await alice.page.locator('#conn[data-state="connected"]').waitFor();
    expect(await alice.page.textContent("#me-name")).toBe("Alice (you)");
    expect(await storedToken(alice.page)).toBe(tokenBefore);
    await alice.page.click('#channel-list button[data-channel="room:chat"]');
    await expect.poll(() => messageTexts(alice.page)).toContain("hello <b>bob</b> 你好");
    await alice.page.click('#channel-list button[data-channel^="dm:"]');
    await expect.poll(() => messageTexts(alice.page)).toEqual(["just between us"]);

    await alice.page.screenshot({ path: "test-results/chat.png" });
    await alice.context.close();
    await bob.context.close();
  });

  it("when someone broadcasts, then a person in no room sees it under Everyone", async () => {
    const alice = await enter(env.browser, env.server.url, "alice");
    const carol = await enter(env.browser, env.server.url, "carol");
    await alice.page.click('#channel-list button[data-channel="broadcast"]');
    await alice.page.fill("#text", "announcement for all");
    await alice.page.press("#text", "Enter");
    await carol.page.click('#channel-list button[data-channel="broadcast"]');
    await expect.poll(() => messageTexts(carol.page)).toContain("announcement for all");
    await alice.context.close();
    await carol.context.close();
  });

  it("when a new room is created from the page, then it is joined and listed", async () => {
    const dora = await enter(env.browser, env.server.url, "dora");
    await dora.page.fill("#new-room", "读书会");
    await dora.page.press("#new-room", "Enter");
    await expect.poll(() => dora.page.textContent("#channel-title")).toBe("# 读书会");
    await expect.poll(() => dora.page.locator('#room-list button[data-room="读书会"]').count()).toBe(1);
    await dora.context.close();
  });
});
