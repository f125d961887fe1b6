/**
 * Search in the page: words found by their start with what matched marked,
 * an honest count, "No results" for a query with nothing to match, the
 * keyboard (focus on the results, arrows, Enter, Escape) and accessibility
 * in English and Chinese, on a desktop and on a phone.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../server/protocol.js";
import { seriousViolations } from "../helpers/axe.js";
import { enter, PHONE, speaking } from "../helpers/browser.js";
import { connectClient, ok, type Client } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

type Doc = { document: { activeElement: { id: string; tagName: string; dataset: { id?: string } } | null } };
/** What has the focus: an element's id, "hit:<message id>" for a search result, "message:<id>" for a message, or its tag. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = (globalThis as unknown as Doc).document.activeElement;
    if (!active) return "";
    if (active.id) return active.id;
    if (active.dataset.id) return `${active.tagName === "BUTTON" ? "hit" : "message"}:${active.dataset.id}`;
    return active.tagName;
  });
const hits = (page: Page) => page.locator("#search-list .search-hit .text").allTextContents();
const marks = (page: Page) => page.locator("#search-list .search-hit mark").allTextContents();

async function search(page: Page, q: string): Promise<void> {
  await page.fill("#search", q);
  await page.press("#search", "Enter");
  await page.locator("#search-results").waitFor();
}

describe("search in the page", () => {
  const env = useServerAndBrowser({ RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" });
  const say = async (c: Client, room: string, text: string) => (await ok<{ message: ChatMessage }>(c.socket, "message", { room, text })).message;

  it("when the start of a word is searched, then the messages with words starting so are found with the match marked, and the keyboard walks them", async () => {
    const writer = await connectClient(env.server.url, { name: "Planner" });
    await ok(writer.socket, "join", "planning");
    const meeting = await say(writer, "planning", "Meeting tomorrow at ten");
    await say(writer, "planning", "greet the team");
    const tagged = await say(writer, "planning", "<b>meet</b> <img src=x> & café");
    const long = await say(writer, "planning", `${"lorem ipsum dolor ".repeat(30)}the meetup moves to Friday ${"sit amet ".repeat(30)}`);

    const { page, context } = await enter(env.browser, env.server.url, "Seeker");
    await search(page, "meet");
    await expect.poll(() => page.textContent("#search-status")).toBe("3 messages found");
    const shown = await hits(page);
    expect(shown).toHaveLength(3);
    // A long text is cut around its first match, so the match shows.
    expect(shown[0]).toMatch(/^…(lorem|ipsum|dolor) .*the meetup moves to Friday .*…$/);
    expect(shown[0]!.length).toBeLessThan(260);
    expect(shown.slice(1)).toEqual(["<b>meet</b> <img src=x> & café", "Meeting tomorrow at ten"]);
    expect(await marks(page)).toEqual(["meet", "meet", "Meet"]);
    // Message text is text: no element came from it.
    expect(await page.locator("#search-list b, #search-list img").count()).toBe(0);

    // The focus is on the first result; arrows, Home and End move between results.
    await expect.poll(() => focused(page)).toBe(`hit:${long.id}`);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toBe(`hit:${meeting.id}`);
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toBe(`hit:${meeting.id}`);
    await page.keyboard.press("Home");
    expect(await focused(page)).toBe(`hit:${long.id}`);
    await page.keyboard.press("End");
    expect(await focused(page)).toBe(`hit:${meeting.id}`);
    await page.keyboard.press("ArrowUp");
    expect(await focused(page)).toBe(`hit:${tagged.id}`);

    // Escape closes the results and returns to the search box.
    await page.keyboard.press("Escape");
    expect(await page.isHidden("#search-results")).toBe(true);
    expect(await focused(page)).toBe("search");

    // "eting" is inside a word, not its start.
    await search(page, "eting");
    await expect.poll(() => page.textContent("#search-status")).toBe("No results");
    expect(await hits(page)).toEqual([]);

    // Nothing to match is no results, not an error; the focus lands on the results' heading.
    await search(page, "!!!");
    await expect.poll(() => page.textContent("#search-status")).toBe("No results");
    expect(await hits(page)).toEqual([]);
    await expect.poll(() => focused(page)).toBe("search-heading");

    // Enter on a result opens its conversation at the message.
    await search(page, "MEETING tom");
    await expect.poll(() => marks(page)).toEqual(["Meeting", "tom"]);
    await expect.poll(() => focused(page)).toBe(`hit:${meeting.id}`);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#channel-title")).toBe("# planning");
    expect(await page.isHidden("#search-results")).toBe(true);
    const target = page.locator(`#message-list li[data-id="${meeting.id}"]`);
    await target.waitFor();
    await expect.poll(() => focused(page)).toBe(`message:${meeting.id}`);
    await context.close();
  });

  it("when more messages match than a page, then the count says so, More results loads the rest with the focus on the first new one, and the open results pass axe in English and Chinese", async () => {
    const writer = await connectClient(env.server.url, { name: "Herald" });
    await ok(writer.socket, "join", "standups");
    const sent: ChatMessage[] = [];
    const posts: Promise<ChatMessage>[] = [];
    for (let i = 1; i <= 60; i++) posts.push(say(writer, "standups", `standup notes ${i} 站会记录`));
    sent.push(...(await Promise.all(posts)));
    await say(writer, "standups", "nothing to see");

    const en = await enter(env.browser, env.server.url, "Counter");
    await search(en.page, "stand");
    await expect.poll(() => en.page.textContent("#search-status")).toBe("50+ messages found");
    expect(await hits(en.page)).toHaveLength(50);
    expect(await en.page.isVisible("#search-more")).toBe(true);
    expect(await seriousViolations(en.page)).toEqual([]);
    await en.page.click("#search-more");
    await expect.poll(() => en.page.textContent("#search-status")).toBe("60 messages found");
    expect(await hits(en.page)).toHaveLength(60);
    expect(await en.page.isHidden("#search-more")).toBe(true);
    const newestFirst = [...sent].sort((a, b) => (a.id < b.id ? 1 : -1));
    await expect.poll(() => focused(en.page)).toBe(`hit:${newestFirst[50]!.id}`);
    await en.context.close();

    // On a phone, in Chinese: the search box is in the rooms panel.
    const zh = await enter(env.browser, env.server.url, "计数", { ...PHONE, ...speaking("zh-CN") });
    await zh.page.click("#open-sidebar");
    await zh.page.locator("#search").waitFor({ state: "visible" });
    await search(zh.page, "站会");
    await expect.poll(() => zh.page.textContent("#search-status")).toBe("找到 50+ 条消息");
    expect((await marks(zh.page)).slice(0, 2)).toEqual(["站会", "站会"]);
    // The focus is on the first result, also once the rooms panel has closed.
    const first = (await zh.page.locator("#search-list .search-hit").first().getAttribute("data-id"))!;
    await zh.page.locator("#sidebar:not(.show):not(.hiding)").waitFor({ state: "attached" });
    await expect.poll(() => focused(zh.page)).toBe(`hit:${first}`);
    expect(await seriousViolations(zh.page)).toEqual([]);
    // Every result is a touch target of at least 44 × 44 px.
    const box = await zh.page.locator("#search-list .search-hit").first().boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    // Escape returns to the button that opens the rooms panel, where the search box is.
    await zh.page.keyboard.press("Escape");
    expect(await zh.page.isHidden("#search-results")).toBe(true);
    expect(await focused(zh.page)).toBe("open-sidebar");
    await zh.page.click("#open-sidebar");
    await zh.page.locator("#search").waitFor({ state: "visible" });
    await search(zh.page, "!!!");
    await expect.poll(() => zh.page.textContent("#search-status")).toBe("没有结果");
    await zh.context.close();
  });
});
