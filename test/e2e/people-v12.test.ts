/**
 * People, not sockets (protocol v1.2) in the page: one row per person however
 * many tabs they have, their tabs a click away (to write to one of them),
 * online or away in a private conversation's header, a big room's people
 * paged as the list scrolls, and the list following who comes and goes.
 */
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ChatMessage, MembersPage } from "../../server/protocol.js";
import { seriousViolations } from "../helpers/axe.js";
import { enter, PHONE, speaking } from "../helpers/browser.js";
import { connectClient, ok, type Client } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

type StorageGlobals = { localStorage: { getItem(key: string): string | null } };
const texts = (page: Page) => page.locator("#message-list li[data-id] .text").allTextContents();
const rows = (page: Page) => page.locator("#online-list li.person");
const rowIds = (page: Page) => rows(page).evaluateAll((lis) => lis.map((li) => li.getAttribute("data-user-id")));
const row = (page: Page, userId: string) => page.locator(`#online-list li.person[data-user-id="${userId}"]`);
const notices = (page: Page) => page.locator("#message-list li.system").allTextContents();
const sub = (page: Page) => page.textContent("#channel-sub");
const socketOf = async (page: Page) => (await page.textContent("#me-socket"))!;
const userIdOf = (page: Page) =>
  page.evaluate(() => (JSON.parse((globalThis as unknown as StorageGlobals).localStorage.getItem("chat.v1") ?? "{}") as { userId: string }).userId);
const tokenOf = (page: Page) =>
  page.evaluate(() => (JSON.parse((globalThis as unknown as StorageGlobals).localStorage.getItem("chat.v1") ?? "{}") as { token: string }).token);

/** Another tab of the same person (same storage, same identity), connected. */
async function newTab(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('#conn[data-state="connected"]').waitFor();
  return page;
}

/** Many people, one socket each, in `room` (connected a few at a time). */
async function crowd(url: string, room: string, n: number): Promise<Client[]> {
  const people: Client[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => connectClient(url, { name: `guest ${i + j}` })));
    await Promise.all(batch.map((c) => ok(c.socket, "join", room)));
    people.push(...batch);
  }
  return people;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe("people, not sockets, in the page", () => {
  const env = useServerAndBrowser({
    RATE_LIMIT_PER_IP_FACTOR: "1000",
    MAX_CONNECTIONS_PER_IP: "1000",
    RATE_LIMIT_BURST: "1000",
    RATE_LIMIT_PER_SECOND: "1000",
  });

  it("when one person has two tabs in a room, then they are one row counted once, the row lists both tabs, and a message to one tab goes to that tab only while it is open", async () => {
    const alice = await enter(env.browser, env.server.url, "Alice");
    await alice.page.click('button[data-room="chat"]');
    const bob = await enter(env.browser, env.server.url, "Bob");
    await bob.page.click('button[data-room="chat"]');
    const bob2 = await newTab(bob.context, env.server.url);
    await bob2.click('#channel-list button[data-channel="room:chat"]');
    const [bobId, bobSocket, bob2Socket] = [await userIdOf(bob.page), await socketOf(bob.page), await socketOf(bob2)];

    // Two people, one of them in two tabs: "2 people here", one row each, Alice ("you") first.
    await row(alice.page, bobId).waitFor();
    await bob2.locator('#online-list li.me .person-tab-count', { hasText: "2 tabs" }).waitFor();
    expect(await sub(alice.page)).toBe("2 people here");
    expect(await rowIds(alice.page)).toEqual([await userIdOf(alice.page), bobId]);
    expect(await rows(alice.page).first().textContent()).toContain("Alice (you)");
    expect(await row(alice.page, bobId).locator(".person-open").textContent()).toBe("Bob");
    // The row names the person, not a socket.
    expect(await row(alice.page, bobId).locator(".person-line").textContent()).not.toContain(bobSocket);

    // Bob typing in one tab: Alice sees him typing, his other tab does not show himself.
    await bob2.locator("#text").pressSequentially("hm");
    await expect.poll(() => alice.page.textContent("#typing")).toBe("Bob is typing…");
    await bob.page.waitForTimeout(500);
    expect(await bob.page.textContent("#typing")).toBe("");
    await bob2.fill("#text", "");

    // The tabs disclosure lists both sockets.
    const toggle = row(alice.page, bobId).locator(".person-tabs");
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await row(alice.page, bobId).locator(".person-tab-list").isHidden()).toBe(true);
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    // Bob's second tab entered after him, which no presence tells: opening the list asks the server.
    await expect.poll(async () => (await row(alice.page, bobId).locator(".person-tab code").allTextContents()).sort()).toEqual([bobSocket, bob2Socket].sort());
    expect(await toggle.textContent()).toContain("2 tabs");

    // Writing to Bob's second tab: the header says so, and the message is addressed to that socket.
    await row(alice.page, bobId).locator(`button[data-socket-id="${bob2Socket}"]`).click();
    await expect.poll(() => alice.page.textContent("#channel-title")).toBe("@ Bob");
    expect(await sub(alice.page)).toBe(`private · online · to one tab of theirs, ${bob2Socket}`);
    await alice.page.fill("#text", "only for your second tab");
    await alice.page.press("#text", "Enter");
    const dm = bob2.locator('#channel-list button[data-channel^="dm:"]');
    await dm.waitFor();
    await dm.click();
    await expect.poll(() => texts(bob2)).toEqual(["only for your second tab"]);
    const asAlice = await connectClient(env.server.url, { name: "Alice", token: await tokenOf(alice.page) });
    const history = await ok<{ messages: ChatMessage[] }>(asAlice.socket, "history", { with: bobId });
    expect(history.messages.map((m) => [m.text, m.to?.socketId])).toEqual([["only for your second tab", bob2Socket]]);

    // That tab closes: a message to it is refused and says why; the next one goes to Bob himself.
    await bob2.close();
    const bobsTabs = async () => (await ok<MembersPage>(asAlice.socket, "members", { room: "chat" })).people.find((p) => p.userId === bobId)?.sockets;
    await expect.poll(bobsTabs).toEqual([bobSocket]);
    asAlice.socket.disconnect();
    await alice.page.fill("#text", "are you still there?");
    await alice.page.press("#text", "Enter");
    await expect.poll(() => alice.page.textContent("#send-error")).toBe("That tab of theirs is closed; what you write next goes to the person.");
    expect(await sub(alice.page)).toBe("private · online");
    await alice.page.fill("#text", "to all your tabs");
    await alice.page.press("#text", "Enter");
    await bob.page.locator('#channel-list button[data-channel^="dm:"]').click();
    await expect.poll(() => texts(bob.page)).toEqual(["only for your second tab", "to all your tabs"]);
    await alice.context.close();
    await bob.context.close();
  });

  it("when people come and go in a room, then their rows appear and go, the count follows, and the conversation says who joined and left", async () => {
    const carol = await enter(env.browser, env.server.url, "Carol");
    await carol.page.fill("#new-room", "comings");
    await carol.page.press("#new-room", "Enter");
    await expect.poll(() => sub(carol.page)).toBe("1 person here");
    const dave = await connectClient(env.server.url, { name: "Dave" });
    await ok(dave.socket, "join", "comings");
    await row(carol.page, dave.session.userId).waitFor();
    expect(await sub(carol.page)).toBe("2 people here");
    // A second socket of Dave's changes nothing.
    const dave2 = await connectClient(env.server.url, { name: "Dave", token: dave.session.token });
    await ok(dave2.socket, "join", "comings");
    await carol.page.waitForTimeout(800);
    expect(await rows(carol.page).count()).toBe(2);
    expect(await sub(carol.page)).toBe("2 people here");

    // Dave types: one name on the typing line, found by his userId.
    dave2.socket.emit("typing", { room: "comings", typing: true });
    await expect.poll(() => carol.page.textContent("#typing")).toBe("Dave is typing…");
    dave2.socket.emit("typing", { room: "comings", typing: false });

    // @-completion offers him once, whatever his number of tabs.
    await carol.page.locator("#text").pressSequentially("hi @Da");
    await expect.poll(() => carol.page.locator("#mention-list [role=option]").allTextContents()).toEqual(["Dave"]);
    await carol.page.fill("#text", "");

    // Leaving with one socket keeps him; leaving with the last takes his row away.
    await ok(dave2.socket, "leave", "comings");
    await carol.page.waitForTimeout(800);
    expect(await rows(carol.page).count()).toBe(2);
    await ok(dave.socket, "leave", "comings");
    await row(carol.page, dave.session.userId).waitFor({ state: "detached" });
    expect(await sub(carol.page)).toBe("1 person here");
    expect(await notices(carol.page)).toEqual(["Dave joined", "Dave left"]);
    await carol.context.close();
  });

  it("when the other person's only tab closes and comes back, then the private conversation's header and 'People you talked with' say away, then online", async () => {
    const erin = await enter(env.browser, env.server.url, "Erin");
    const frank = await enter(env.browser, env.server.url, "Frank");
    for (const p of [erin, frank]) await p.page.click('button[data-room="study"]');
    const frankId = await userIdOf(frank.page);
    await row(erin.page, frankId).locator(".person-open").click();
    expect(await erin.page.textContent("#channel-title")).toBe("@ Frank");
    expect(await sub(erin.page)).toBe("private · online");
    await erin.page.fill("#text", "lunch?");
    await erin.page.press("#text", "Enter");
    await expect.poll(() => texts(erin.page)).toEqual(["lunch?"]);
    const peer = erin.page.locator(`#peer-list button[data-user-id="${frankId}"]`);
    await expect.poll(() => peer.textContent()).toContain("online");

    await frank.page.close();
    await expect.poll(() => sub(erin.page)).toBe("private · away");
    expect(await peer.getAttribute("data-state")).toBe("away");
    expect(await peer.textContent()).toContain("away");
    expect(await erin.page.locator("#online-list li.peer").textContent()).toContain("away");

    const back = await newTab(frank.context, env.server.url);
    await expect.poll(() => sub(erin.page)).toBe("private · online");
    expect(await peer.getAttribute("data-state")).toBe("online");

    // A reload of Erin's page learns it from the server's list of conversations.
    await back.close();
    await expect.poll(() => sub(erin.page)).toBe("private · away");
    await erin.page.reload();
    await erin.page.locator('#conn[data-state="connected"]').waitFor();
    await expect.poll(() => sub(erin.page)).toBe("private · away");
    await erin.context.close();
    await frank.context.close();
  });

  it("when a room holds 130 more people, then the panel lists the first 100, loads the rest as it scrolls, and follows departures; axe finds nothing serious in either language", async () => {
    const guests = await crowd(env.server.url, "crowd", 130);
    const viewer = await enter(env.browser, env.server.url, "Viewer");
    await viewer.page.fill("#new-room", "crowd");
    await viewer.page.press("#new-room", "Enter");
    await expect.poll(() => sub(viewer.page)).toBe("131 people here");
    const me = await userIdOf(viewer.page);
    const everyone = [...guests.map((g) => g.session.userId), me].sort(byCodeUnit);
    const firstPage = everyone.slice(0, 100);
    await expect.poll(() => rowIds(viewer.page)).toEqual([me, ...firstPage.filter((id) => id !== me)]);
    const more = viewer.page.locator("#online-list .people-more");
    expect(await more.textContent()).toContain(`Showing ${firstPage.includes(me) ? 100 : 101} of 131 people`);
    expect(await seriousViolations(viewer.page)).toEqual([]);

    // Scrolling to the end of the list loads the rest, in order.
    await more.scrollIntoViewIfNeeded();
    await expect.poll(() => rowIds(viewer.page)).toEqual([me, ...everyone.filter((id) => id !== me)]);
    expect(await more.count()).toBe(0);

    // Someone leaves: a room this big says only how many are left, so the page asks who.
    const gone = guests[7]!;
    gone.socket.disconnect();
    await expect.poll(() => sub(viewer.page), { timeout: 10_000 }).toBe("130 people here");
    await row(viewer.page, gone.session.userId).waitFor({ state: "detached", timeout: 10_000 });
    expect(await rows(viewer.page).count()).toBe(130);

    // The disclosure of someone's tabs, in English and then in Chinese.
    await rows(viewer.page).nth(1).locator(".person-tabs").click();
    await rows(viewer.page).nth(1).locator(".person-tab").waitFor();
    expect(await seriousViolations(viewer.page)).toEqual([]);
    await viewer.page.selectOption("#lang", "zh-CN");
    await expect.poll(() => sub(viewer.page)).toBe("130 人在这里");
    expect(await rows(viewer.page).nth(1).locator(".person-tabs").textContent()).toContain("1 个标签页");
    expect(await seriousViolations(viewer.page)).toEqual([]);
    for (const g of guests) g.socket.disconnect();
    await viewer.context.close();
  });

  it("when the people panel is opened on a phone in Chinese, then a person is one row with a 44 px tabs button and a way to write to one tab, and axe finds nothing serious", async () => {
    const zhu = await enter(env.browser, env.server.url, "小朱", { ...PHONE, ...speaking("zh-CN") });
    await zhu.page.click("#open-sidebar");
    await zhu.page.locator("#sidebar.show").waitFor();
    await zhu.page.fill("#new-room", "手机");
    await zhu.page.press("#new-room", "Enter");
    await zhu.page.locator("#sidebar.show").waitFor({ state: "detached" });
    const other = await connectClient(env.server.url, { name: "王五" });
    const otherTab = await connectClient(env.server.url, { name: "王五", token: other.session.token });
    for (const c of [other, otherTab]) await ok(c.socket, "join", "手机");
    await expect.poll(() => sub(zhu.page)).toBe("2 人在这里");

    await zhu.page.click("#open-people");
    await zhu.page.locator("#people.show").waitFor();
    const wang = row(zhu.page, other.session.userId);
    await wang.locator(".person-tabs").click();
    await wang.locator(".person-tab").first().waitFor();
    expect(await wang.locator(".person-tabs").textContent()).toContain("2 个标签页");
    for (const target of [wang.locator(".person-tabs"), wang.locator(".person-open"), wang.locator(".person-tab").first()]) {
      const box = (await target.boundingBox())!;
      expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(44);
    }
    expect(await seriousViolations(zhu.page)).toEqual([]);
    await wang.locator(`button[data-socket-id="${otherTab.socket.id}"]`).click();
    await zhu.page.locator("#people.show").waitFor({ state: "detached" });
    expect(await sub(zhu.page)).toBe(`私聊 · 在线 · 只发给对方的一个标签页 ${otherTab.socket.id}`);
    await zhu.context.close();
  });
});
