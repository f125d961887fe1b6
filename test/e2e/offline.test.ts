import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { enter } from "../helpers/browser.js";
import { useInProcessServerAndBrowser } from "../helpers/e2e.js";

const texts = (page: Page) => page.locator("#message-list li:not(.pending) .text").allTextContents();

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
});
