/**
 * People in the page (protocol v1.1): writing to someone who is away,
 * @-completion, search that jumps to the message, and unread counts that
 * follow the person across reloads and tabs.
 */
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ChatMessage, MentionNotice, RoomInfo } from "../../server/protocol.js";
import { enter } from "../helpers/browser.js";
import { connectClient, nextEvent, ok } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

type StorageGlobals = { localStorage: { getItem(key: string): string | null } };
const texts = (page: Page) => page.locator("#message-list li[data-id] .text").allTextContents();
const badge = (page: Page, channel: string) => page.locator(`#channel-list button[data-channel="${channel}"] .badge.text-bg-primary`);

/** A second tab of the same person: same storage, same identity. */
async function newTab(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('#conn[data-state="connected"]').waitFor();
  return page;
}

describe("people, mentions, unread and search in the page", () => {
  const env = useServerAndBrowser({ RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" });

  it("when someone has gone away, then a message to them from the people panel waits for them and they find it when they come back", async () => {
    const alice = await enter(env.browser, env.server.url, "Alice");
    const bob = await enter(env.browser, env.server.url, "Bob");
    for (const person of [alice, bob]) await person.page.click('button[data-room="chat"]');
    await alice.page.locator("#online-list .person-open", { hasText: "Bob" }).click();
    await alice.page.fill("#text", "hello Bob");
    await alice.page.press("#text", "Enter");
    await bob.page.locator('#channel-list button[data-channel^="dm:"]').waitFor();

    // Bob closes his tab; Alice writes to him from "People you talked with".
    await bob.page.close();
    await alice.page.click('#channel-list button[data-channel="room:chat"]');
    await alice.page.locator("#peer-list button", { hasText: "Bob" }).click();
    await alice.page.fill("#text", "see you tomorrow");
    await alice.page.press("#text", "Enter");
    await expect.poll(() => texts(alice.page)).toEqual(["hello Bob", "see you tomorrow"]);
    expect(await alice.page.textContent("#send-error")).toBe("");

    // Bob comes back (same browser, so the same identity) and finds it, unread.
    const back = await newTab(bob.context, env.server.url);
    const dm = back.locator('#channel-list button[data-channel^="dm:"]');
    await dm.waitFor();
    await dm.click();
    await expect.poll(() => texts(back)).toEqual(["hello Bob", "see you tomorrow"]);
    await alice.context.close();
    await bob.context.close();
  });

  it("when @ is typed in a room, then its members are offered and the one picked is mentioned", async () => {
    const carol = await enter(env.browser, env.server.url, "Carol");
    await carol.page.click('button[data-room="study"]');
    const dave = await connectClient(env.server.url, { name: "Dave" });
    const diana = await connectClient(env.server.url, { name: "Diana" });
    for (const c of [dave, diana]) await ok(c.socket, "join", "study");
    await expect.poll(() => carol.page.locator("#online-list li.person").count()).toBe(3);

    await carol.page.locator("#text").pressSequentially("question for @d");
    await expect.poll(() => carol.page.locator("#mention-list [role=option]").allTextContents()).toEqual(["Dave", "Diana"]);
    await carol.page.keyboard.press("ArrowDown");
    expect(await carol.page.getAttribute("#mention-list [aria-selected=true]", "data-user-id")).toBe(diana.session.userId);
    const mentioned = nextEvent(diana.socket, "mention") as Promise<MentionNotice>;
    await carol.page.keyboard.press("Enter");
    expect(await carol.page.inputValue("#text")).toBe("question for @Diana ");
    expect(await carol.page.isHidden("#mention-list")).toBe(true);
    await carol.page.keyboard.type("can you help?");
    await carol.page.keyboard.press("Enter");
    const { message } = await mentioned;
    expect(message.text).toBe("question for @Diana can you help?");
    expect(message.mentions).toEqual([diana.session.userId]);
    await carol.context.close();
  });

  it("when a word is searched, then results come newest first and a click opens the conversation at that message, loading older pages as needed", async () => {
    const writer = await connectClient(env.server.url, { name: "Scribe" });
    await ok(writer.socket, "join", "library");
    const needles: ChatMessage[] = [];
    for (let i = 1; i <= 130; i++) {
      const text = i === 3 ? "old calligraphy notes 书法练习" : i === 120 ? "newer 书法 exhibition" : `filler ${i}`;
      const res = await ok<{ message: ChatMessage }>(writer.socket, "message", { room: "library", text });
      if (text.includes("书法")) needles.push(res.message);
    }
    const reader = await enter(env.browser, env.server.url, "Reader");
    await reader.page.fill("#search", "书法");
    await reader.page.press("#search", "Enter");
    await reader.page.locator("#search-results").waitFor();
    expect(await reader.page.locator("#search-list .search-hit .text").allTextContents()).toEqual(["newer 书法 exhibition", "old calligraphy notes 书法练习"]);
    expect(await reader.page.textContent("#search-status")).toBe("2 messages found");

    await reader.page.locator("#search-list .search-hit", { hasText: "old calligraphy" }).click();
    await expect.poll(() => reader.page.textContent("#channel-title")).toBe("# library");
    const target = reader.page.locator(`#message-list li[data-id="${needles[0]!.id}"]`);
    await target.waitFor();
    expect(await target.isVisible()).toBe(true);
    await expect.poll(() => target.evaluate((li) => (li as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement === li)).toBe(true);
    expect(await reader.page.isHidden("#search-results")).toBe(true);
    await reader.context.close();
  });

  it("when messages arrive in a room read before, then the unread count survives a reload and clears when another tab reads them", async () => {
    const erin = await enter(env.browser, env.server.url, "Erin");
    await erin.page.click('button[data-room="chat"]');
    const talker = await connectClient(env.server.url, { name: "Talker" });
    await ok(talker.socket, "join", "chat");
    await ok(talker.socket, "message", { room: "chat", text: "first, read at once" });
    await expect.poll(() => texts(erin.page)).toContain("first, read at once");
    // Erin is at the bottom of chat: the page sends her read marker (throttled). Ask the
    // server as Erin (her token, another connection) until it reports chat read.
    const token = await erin.page.evaluate(() => (JSON.parse((globalThis as unknown as StorageGlobals).localStorage.getItem("chat.v1") ?? "{}") as { token: string }).token);
    const asErin = await connectClient(env.server.url, { name: "Erin", token });
    await expect
      .poll(async () => (await ok<{ rooms: RoomInfo[] }>(asErin.socket, "rooms")).rooms.find((r) => r.name === "chat")?.unread)
      .toBe(0);
    asErin.socket.disconnect();

    await erin.page.click('#channel-list button[data-channel="broadcast"]');
    for (const text of ["unread one", "unread two"]) await ok(talker.socket, "message", { room: "chat", text });
    await expect.poll(() => badge(erin.page, "room:chat").textContent()).toBe("2");

    await erin.page.reload();
    await erin.page.locator('#conn[data-state="connected"]').waitFor();
    await expect.poll(() => badge(erin.page, "room:chat").textContent()).toBe("2");

    const second = await newTab(erin.context, env.server.url);
    await second.click('#channel-list button[data-channel="room:chat"]');
    await expect.poll(() => texts(second)).toContain("unread two");
    await expect.poll(() => badge(erin.page, "room:chat").count(), { timeout: 10_000 }).toBe(0);
    await erin.context.close();
  });
});
