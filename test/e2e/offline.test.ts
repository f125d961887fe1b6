import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../server/protocol.js";
import { enter } from "../helpers/browser.js";
import { connectClient, ok, readAllHistory } from "../helpers/client.js";
import { useInProcessServerAndBrowser } from "../helpers/e2e.js";
import { cutOff } from "../helpers/cut-off.js";

const texts = (page: Page) => page.locator("#message-list li:not(.pending) .text").allTextContents();
const line = (page: Page, text: string | RegExp) => page.locator("#message-list li.msg", { has: page.locator(".text", { hasText: text }) });

/** Shows a message's actions the way a mouse does (hover, or its "…" button) and picks one. */
async function act(item: Locator, action: string): Promise<void> {
  await item.hover();
  const button = item.locator(`button[data-action="${action}"]`);
  if (!(await button.isVisible())) await item.locator('button[data-action="more"]').click();
  await button.click();
}

describe("sending while offline", () => {
  // In process: the test cuts one person off by reaching into the server's Engine.IO.
  const env = useInProcessServerAndBrowser();

  it("when the connection is lost, then messages queue visibly, survive a reload, and are delivered once, in order, on reconnect", async () => {
    const alice = await enter(env.browser, env.server.url, "alice");
    const bob = await enter(env.browser, env.server.url, "bob");
    await alice.page.click('button[data-room="chat"]');
    await bob.page.click('button[data-room="chat"]');
    await alice.page.fill("#text", "online first");
    await alice.page.press("#text", "Enter");
    await expect.poll(() => texts(bob.page)).toEqual(["online first"]);

    // Cut alice off: the server refuses new connections (bob's stays up), and hers is dropped.
    let blocked = true;
    const engineOpts = env.server.chat.io.engine.opts as { allowRequest?: (req: unknown, cb: (e: string | null, ok: boolean) => void) => void };
    const allow = engineOpts.allowRequest!;
    engineOpts.allowRequest = (req, cb) => (blocked ? cb("offline", false) : allow(req, cb));
    const aliceSocket = (await alice.page.textContent("#me-socket"))!;
    env.server.chat.io.sockets.sockets.get(aliceSocket)?.conn.close();
    await alice.page.locator('#conn[data-state="reconnecting"]').waitFor();

    for (const text of ["queued one", "queued two"]) {
      await alice.page.fill("#text", text);
      await alice.page.press("#text", "Enter");
    }
    await expect.poll(() => alice.page.textContent("#queued")).toBe("2 messages waiting to send");
    expect(await alice.page.locator("#message-list li.pending .meta").allTextContents()).toEqual([
      "queued — will send when connected",
      "queued — will send when connected",
    ]);

    // A reload while offline keeps the queue (sessionStorage) and shows it.
    await alice.page.reload();
    await expect.poll(() => alice.page.textContent("#queued")).toBe("2 messages waiting to send");
    await alice.page.click('#channel-list button[data-channel="room:chat"]');
    await expect
      .poll(() => alice.page.locator("#message-list li.pending .text").allTextContents())
      .toEqual(["queued one", "queued two"]);
    expect(await texts(bob.page)).toEqual(["online first"]);

    // Back online: delivered in order, exactly once, and the queue empties.
    blocked = false;
    await alice.page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => texts(bob.page), { timeout: 15_000 }).toEqual(["online first", "queued one", "queued two"]);
    await expect.poll(() => alice.page.locator("#queued").isHidden()).toBe(true);
    await expect.poll(() => texts(alice.page)).toEqual(["online first", "queued one", "queued two"]);
    await alice.context.close();
    await bob.context.close();
  });

  it("when the connection is lost, then edits, reactions and deletions wait visibly, survive a reload, and are applied once on reconnect", async () => {
    const alice = await enter(env.browser, env.server.url, "alice");
    await alice.page.click('button[data-room="study"]');
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(bob.socket, "join", "study");
    const updates: ChatMessage[] = [];
    bob.socket.on("message updated", (m) => updates.push(m));
    for (const text of ["helo evrybody", "this was a mistake"]) {
      await alice.page.fill("#text", text);
      await alice.page.press("#text", "Enter");
    }
    await ok(bob.socket, "message", { room: "study", text: "react to me" });
    await line(alice.page, "react to me").waitFor();
    const stored = await readAllHistory(bob.socket, "study");
    const idOf = (text: string) => stored.find((m) => m.text === text)!.id;

    const reconnect = await cutOff(env.server, alice.page);

    // Offline: an edit, a reaction and a deletion, each shown at once and marked as waiting.
    await act(line(alice.page, "helo evrybody"), "edit");
    await alice.page.fill("#text", "hello everybody");
    await alice.page.press("#text", "Enter");
    const edited = line(alice.page, "hello everybody");
    await expect.poll(() => edited.locator(".pending-label").textContent()).toBe("edit waiting to be sent");
    expect(await edited.getAttribute("class")).toContain("pending-change");

    const reacted = line(alice.page, "react to me");
    await act(reacted, "react");
    await reacted.locator('button[data-react="👍"]').click();
    const chip = reacted.locator('button[data-reaction="👍"]');
    await expect.poll(() => chip.getAttribute("aria-pressed")).toBe("true");
    expect(await chip.getAttribute("class")).toContain("pending");
    expect(await chip.getAttribute("aria-label")).toMatch(/^👍: 1 reaction, .*you.* \(reaction waiting to be sent\)$/);
    expect(await reacted.locator(".pending-label").textContent()).toBe("reaction waiting to be sent");
    // Given and taken back before it went out: it is gone, and nothing is left to send for it.
    await act(reacted, "react");
    await reacted.locator('button[data-react="🎉"]').click();
    const party = reacted.locator('button[data-reaction="🎉"]');
    await expect.poll(() => party.getAttribute("aria-pressed")).toBe("true");
    await party.click();
    await expect.poll(() => party.count()).toBe(0);
    await expect.poll(() => alice.page.textContent("#queued")).toBe("2 changes waiting to send");

    await act(line(alice.page, "this was a mistake"), "delete");
    await alice.page.locator("#delete-modal.show").waitFor();
    await alice.page.click("#delete-confirm");
    const tombstone = line(alice.page, "message deleted");
    await expect.poll(() => tombstone.locator(".pending-label").textContent()).toBe("deletion waiting to be sent");
    expect(await line(alice.page, "this was a mistake").count()).toBe(0);
    // Up in the empty box edits one's last message as shown: the one being deleted is skipped, the waiting edit is the text.
    await alice.page.press("#text", "ArrowUp");
    expect(await alice.page.inputValue("#text")).toBe("hello everybody");
    await alice.page.press("#text", "Escape");

    // No false promise: nothing says it failed, the header counts what waits.
    await expect.poll(() => alice.page.textContent("#queued")).toBe("3 changes waiting to send");
    expect(await alice.page.textContent("#send-error")).toBe("");

    // A reload while offline keeps them (the outbox is in sessionStorage).
    await alice.page.reload();
    await expect.poll(() => alice.page.textContent("#queued")).toBe("3 changes waiting to send");
    expect(updates).toEqual([]);

    // Back online: each applied, once, and seen by the others; the page shows the server's state.
    reconnect();
    await alice.page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => updates.length, { timeout: 15_000 }).toBe(3);
    await alice.page.click('#channel-list button[data-channel="room:study"]');
    await expect.poll(() => alice.page.locator("#queued").isHidden()).toBe(true);
    const after = await readAllHistory(bob.socket, "study");
    const now = (id: string) => after.find((m) => m.id === id)!;
    expect(now(idOf("helo evrybody"))).toMatchObject({ text: "hello everybody" });
    expect(now(idOf("helo evrybody")).editedAt).toBeTruthy();
    expect(now(idOf("this was a mistake"))).toMatchObject({ text: "" });
    expect(now(idOf("this was a mistake")).deletedAt).toBeTruthy();
    expect(now(idOf("react to me")).reactions).toEqual([{ emoji: "👍", userIds: [now(idOf("helo evrybody")).from.userId] }]);
    expect(updates.map((m) => m.id).sort()).toEqual([idOf("helo evrybody"), idOf("this was a mistake"), idOf("react to me")].sort());
    await expect
      .poll(() => alice.page.locator("#message-list li.msg .text").allTextContents())
      .toEqual(["hello everybody (edited)", "message deleted", "react to me"]);
    expect(await alice.page.locator("#message-list .pending-label").count()).toBe(0);
    expect(await line(alice.page, "react to me").locator('button[data-reaction="👍"]').getAttribute("class")).not.toContain("pending");
    expect(await alice.page.textContent("#send-error")).toBe("");
    // Nothing is sent again later.
    await new Promise((r) => setTimeout(r, 1000));
    expect(updates).toHaveLength(3);
    await alice.context.close();
  });

  it("when a change made offline is refused after reconnecting, then the page says which and why and shows the message as it is", async () => {
    const alice = await enter(env.browser, env.server.url, "alice");
    await alice.page.click('#new-room');
    await alice.page.fill("#new-room", "refusals");
    await alice.page.press("#new-room", "Enter");
    // Written once the room is open: before that the message would go to the conversation still shown.
    await expect.poll(() => alice.page.textContent("#channel-title")).toBe("# refusals");
    await alice.page.fill("#text", "soon gone");
    await alice.page.press("#text", "Enter");
    await line(alice.page, "soon gone").waitFor();
    const token = await alice.page.evaluate(() => (JSON.parse(localStorage.getItem("chat.v1") ?? "{}") as { token: string }).token);

    const reconnect = await cutOff(env.server, alice.page);
    await act(line(alice.page, "soon gone"), "edit");
    await alice.page.fill("#text", "my careful rewrite");
    await alice.page.press("#text", "Enter");
    await expect.poll(() => line(alice.page, "my careful rewrite").locator(".pending-label").textContent()).toBe("edit waiting to be sent");

    // Meanwhile, in another tab of hers that is still online, the message is deleted.
    const otherTab = await connectClient(env.server.url, { name: "alice", token });
    await ok(otherTab.socket, "join", "refusals");
    const history = await readAllHistory(otherTab.socket, "refusals");
    await ok(otherTab.socket, "delete", { id: history.find((m) => m.text === "soon gone")!.id });

    reconnect();
    await alice.page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => alice.page.textContent("#send-error"), { timeout: 15_000 })
      .toBe("Your edit “my careful rewrite” was not saved. That no longer exists.");
    await expect.poll(() => alice.page.locator("#queued").isHidden()).toBe(true);
    expect(await alice.page.locator("#message-list li.msg .text").allTextContents()).toEqual(["message deleted"]);
    expect(await alice.page.locator("#message-list .pending-label").count()).toBe(0);
    // The note stays with the message after the passing alert has gone.
    await expect.poll(() => alice.page.textContent("#send-error"), { timeout: 10_000 }).toBe("");
    expect(await line(alice.page, "message deleted").locator(".refused-label").textContent()).toBe(
      "Your edit “my careful rewrite” was not saved. That no longer exists.",
    );
    await alice.context.close();
  });
});
