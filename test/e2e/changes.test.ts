/**
 * Messages people can change, in the page (protocol v1.1): edit, delete
 * (with a confirmation), reactions, replies — seen by everyone — and the
 * changes made while someone was away, caught up when they come back.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../server/protocol.js";
import { enter, launchBrowser, PHONE } from "../helpers/browser.js";
import { connectClient, disconnectAll, ok } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";
import { startServer } from "../helpers/server.js";
import { tempDataDir } from "../helpers/storage.js";

type Sent = { message: ChatMessage };
const line = (page: Page, text: string | RegExp) => page.locator("#message-list li.msg", { has: page.locator(".text", { hasText: text }) });

/** Shows a message's actions the way a mouse does (hover) and picks one. */
async function act(item: Locator, action: string): Promise<void> {
  await item.hover();
  await item.locator(`button[data-action="${action}"]`).click();
}

describe("changing messages in the page", () => {
  const env = useServerAndBrowser();

  it("when two people edit, delete, react and reply, then both pages show every change", async () => {
    const alice = await enter(env.browser, env.server.url, "Alice");
    const bob = await enter(env.browser, env.server.url, "Bob");
    for (const p of [alice, bob]) await p.page.click('button[data-room="study"]');
    for (const text of ["helo evrybody", "this was a mistake"]) {
      await alice.page.fill("#text", text);
      await alice.page.press("#text", "Enter");
    }
    await line(bob.page, "this was a mistake").waitFor();

    // Edit: the text goes into the composer; Enter saves.
    await act(line(alice.page, "helo evrybody"), "edit");
    expect(await alice.page.inputValue("#text")).toBe("helo evrybody");
    expect(await alice.page.textContent("#composer-context-text")).toBe("Editing your message");
    expect(await alice.page.textContent("#send")).toBe("Save");
    await alice.page.fill("#text", "hello everybody");
    await alice.page.press("#text", "Enter");
    for (const p of [alice, bob]) await expect.poll(() => line(p.page, "hello everybody").locator(".edited").textContent()).toBe("(edited)");
    expect(await line(bob.page, "helo evrybody").count()).toBe(0);
    expect(await alice.page.textContent("#send")).toBe("Send");

    // Delete, after a confirmation; Bob sees a tombstone, with no actions on it.
    await act(line(alice.page, "this was a mistake"), "delete");
    await alice.page.locator("#delete-modal.show").waitFor();
    await alice.page.click("#delete-confirm");
    for (const p of [alice, bob]) await line(p.page, "message deleted").waitFor();
    expect(await line(bob.page, "this was a mistake").count()).toBe(0);
    expect(await line(bob.page, "message deleted").locator(".actions").count()).toBe(0);

    // Reactions: Bob picks 👍 from the quick row; Alice adds hers by clicking the chip, then takes it back.
    const bobsView = line(bob.page, "hello everybody");
    await act(bobsView, "react");
    await bobsView.locator('button[data-react="👍"]').click();
    const chip = (p: Page) => line(p, "hello everybody").locator('button[data-reaction="👍"]');
    await expect.poll(() => chip(alice.page).textContent()).toBe("👍1");
    expect(await chip(alice.page).getAttribute("aria-pressed")).toBe("false");
    expect(await chip(bob.page).getAttribute("aria-pressed")).toBe("true");
    expect(await chip(alice.page).getAttribute("aria-label")).toBe("👍: 1 reaction, Bob");
    await chip(alice.page).click();
    await expect.poll(() => chip(bob.page).textContent()).toBe("👍2");
    await chip(alice.page).click();
    await expect.poll(() => chip(bob.page).textContent()).toBe("👍1");

    // Reply: the quote shows above Bob's answer; clicking it brings the original into view.
    await act(line(bob.page, "hello everybody"), "reply");
    expect(await bob.page.textContent("#composer-context-text")).toBe("Replying to Alice: hello everybody");
    await bob.page.fill("#text", "hi Alice!");
    await bob.page.press("#text", "Enter");
    const answer = line(alice.page, "hi Alice!");
    await answer.waitFor();
    expect(await answer.locator(".reply-quote").textContent()).toBe("In reply to Alicehello everybody");
    await answer.locator(".reply-quote").click();
    const original = line(alice.page, "hello everybody");
    await expect.poll(() => original.evaluate((li) => (li as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement === li)).toBe(true);

    // Escape leaves an edit without saving and gives the draft back.
    await alice.page.fill("#text", "a draft");
    await act(line(alice.page, "hello everybody"), "edit");
    await alice.page.press("#text", "Escape");
    expect(await alice.page.inputValue("#text")).toBe("a draft");
    expect(await alice.page.isHidden("#composer-context")).toBe(true);
    await alice.context.close();
    await bob.context.close();
  });

  it("when a phone user long-presses a message, then its actions appear", async () => {
    const writer = await connectClient(env.server.url, { name: "Writer" });
    await ok(writer.socket, "join", "chat");
    const { context, page } = await enter(env.browser, env.server.url, "Thumb", PHONE);
    await page.click("#open-sidebar");
    await page.click('button[data-room="chat"]');
    await ok(writer.socket, "message", { room: "chat", text: "press and hold me" });
    const item = line(page, "press and hold me");
    await item.waitFor();
    expect(await item.locator(".actions").isVisible()).toBe(false);
    await item.locator(".text").dispatchEvent("touchstart");
    await expect.poll(() => item.getAttribute("class")).toContain("open");
    expect(await item.locator(".actions").isVisible()).toBe(true);
    await context.close();
  });
});

describe("catching up on changes after being away", () => {
  it("when a message was edited, another deleted and a third reacted to while the page was away, then it shows all of it on return", async () => {
    // One database file for both lives of the server.
    const env = { DATA_DIR: tempDataDir() };
    let server = await startServer({ env });
    const browser = await launchBrowser();
    try {
      const talker = await connectClient(server.url, { name: "Talker" });
      await ok(talker.socket, "join", "chat");
      const sent: ChatMessage[] = [];
      for (const text of ["first draft", "to be deleted", "react to me", "unchanged"]) {
        sent.push((await ok<Sent>(talker.socket, "message", { room: "chat", text })).message);
      }
      const { context, page } = await enter(browser, server.url, "Away");
      await page.click('button[data-room="chat"]');
      await line(page, "unchanged").waitFor();

      // The server restarts (same storage, same address); the page cannot get back in yet,
      // so the connection-state recovery of the old process cannot replay anything.
      const port = server.port;
      await server.close();
      await page.locator('#conn[data-state="reconnecting"]').waitFor();
      server = await startServer({ env, port });
      const engine = server.chat.io.engine.opts as { allowRequest?: (req: { headers: Record<string, string | undefined> }, cb: (e: string | null, ok: boolean) => void) => void };
      const allow = engine.allowRequest!;
      let pageAllowed = false;
      engine.allowRequest = (req, cb) => (req.headers.origin && !pageAllowed ? cb("not yet", false) : allow(req, cb));

      const back = await connectClient(server.url, { name: "Talker", token: talker.session.token });
      await ok(back.socket, "join", "chat");
      await ok(back.socket, "edit", { id: sent[0]!.id, text: "final text" });
      await ok(back.socket, "delete", { id: sent[1]!.id });
      await ok(back.socket, "react", { id: sent[2]!.id, emoji: "🎉", on: true });

      pageAllowed = true;
      await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20_000 });
      await line(page, "final text").waitFor();
      expect(await line(page, "first draft").count()).toBe(0);
      await line(page, "message deleted").waitFor();
      expect(await line(page, "to be deleted").count()).toBe(0);
      await expect.poll(() => line(page, "react to me").locator('button[data-reaction="🎉"]').textContent()).toBe("🎉1");
      expect(await page.locator("#message-list li.msg .text").allTextContents()).toEqual(["final text (edited)", "message deleted", "react to me", "unchanged"]);
      await context.close();
    } finally {
      disconnectAll();
      await browser.close();
      await server.close();
    }
  });
});
