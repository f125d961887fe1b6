/**
 * Accessibility audits (axe-core, WCAG 2.1 A/AA, plus the label-in-name
 * rule) of every state a person reaches in an ordinary session — the sign-in
 * page and its error, a room with replies, reactions, a deleted message and a
 * mention, a message's open actions, quick reactions and who reacted, the
 * delete dialog, the emoji panel, the composer near and over its limit,
 * search results, and on phones the sliding panels — on a desktop and a
 * phone, in English and Chinese, light and dark. No serious or critical
 * violation is allowed in any of them.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../server/protocol.js";
import { seriousViolations } from "../helpers/axe.js";
import { DESKTOP, PHONE, speaking } from "../helpers/browser.js";
import { connectClient, ok } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

type Sent = { message: ChatMessage };

/** Audits the page as it is now; a failure names the state it was found in. */
async function audit(page: Page, state: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${state}: ${JSON.stringify(violations)}`).toEqual([]);
}

describe("accessibility in every state the page reaches (axe-core)", () => {
  const env = useServerAndBrowser();

  for (const [device, options] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    for (const locale of ["en", "zh-CN"]) {
      for (const theme of ["light", "dark"] as const) {
        it(`${device}, ${locale}, ${theme}`, async () => {
          const pictured = device === "desktop" && locale === "en" && theme === "light";
          const room = pictured ? "book-club" : `a11y-${device}-${locale}-${theme}`.replace(/[^\w-]/g, "");
          const name = locale === "en" ? "Ada" : "小红";
          // Reduced motion: colours are measured as they settle, not halfway through a fade.
          const context = await env.browser.newContext({ ...options, ...speaking(locale), colorScheme: theme, reducedMotion: "reduce" });
          const page = await context.newPage();
          await page.goto(env.server.url);
          await audit(page, "the sign-in page");

          await page.fill("#name", "a@b");
          await page.click("#login-form button[type=submit]");
          await page.locator("#login-error:not(:empty)").waitFor();
          await audit(page, "a refused name");

          await page.fill("#name", name);
          await page.click("#login-form button[type=submit]");
          await page.locator('#conn[data-state="connected"]').waitFor();

          // Someone else fills the room: a message with a link and a mention, a reply to it,
          // reactions on it, and a message deleted after it was sent.
          const talker = await connectClient(env.server.url, { name: "Talker" });
          await ok(talker.socket, "join", room);
          const first = await ok<Sent>(talker.socket, "message", { room, text: `see https://example.com/${room} and @${name} 👋` });
          await ok(talker.socket, "message", { room, text: "a reply to that", replyTo: first.message.id });
          await ok(talker.socket, "react", { id: first.message.id, emoji: "👍", on: true });
          await ok(talker.socket, "react", { id: first.message.id, emoji: "🎉", on: true });
          const gone = await ok<Sent>(talker.socket, "message", { room, text: "posted by mistake" });
          await ok(talker.socket, "delete", { id: gone.message.id });

          if (device === "phone") {
            await page.click("#open-sidebar");
            await page.locator("#sidebar.show").waitFor();
            await audit(page, "the rooms panel");
          }
          await page.fill("#new-room", room);
          await page.press("#new-room", "Enter");
          await page.locator("#message-list .reply-quote").waitFor();
          await page.locator("#message-list .reaction").first().waitFor();
          await page.fill("#text", "mine");
          await page.press("#text", "Enter");
          const mine = page.locator("#message-list li.msg.mine", { hasText: "mine" });
          await mine.waitFor();
          await audit(page, "a room with a reply, reactions, a deleted message and a mention");
          if (pictured) await page.screenshot({ path: "docs/desktop-en.png" });

          // A message's actions, by keyboard: quick reactions, then who reacted.
          const theirs = page.locator(`#message-list li[data-id="${first.message.id}"]`);
          await theirs.focus();
          await page.keyboard.press("Enter");
          await theirs.locator(".actions button[data-action=react]").click();
          await theirs.locator(".quick-reactions:not([hidden])").waitFor();
          await audit(page, "a message's actions with the quick reactions open");
          await theirs.locator(".actions button[data-action=who]").click();
          await theirs.locator(".reacted-by:not([hidden])").waitFor();
          await audit(page, "who reacted, shown under the message");
          await page.keyboard.press("Escape");

          // The delete dialog, from one's own message.
          await mine.focus();
          await page.keyboard.press("Enter");
          await mine.locator(".actions button[data-action=delete]").click();
          await page.locator("#delete-modal.show").waitFor();
          await audit(page, "the delete dialog");
          await page.keyboard.press("Escape");
          await page.locator("#delete-modal.show").waitFor({ state: "detached" });

          await page.click("#emoji-button");
          await page.locator("#emoji-panel:not([hidden])").waitFor();
          await audit(page, "the emoji panel");
          await page.keyboard.press("Escape");

          await page.fill("#text", "x".repeat(1950));
          await page.locator("#text-count:not([hidden])").waitFor();
          await audit(page, "the composer near its limit");
          await page.fill("#text", "x".repeat(2100));
          await page.press("#text", "Enter");
          await page.locator("#text-error:not(:empty)").waitFor();
          await audit(page, "the composer refusing a text over the limit");
          await page.fill("#text", "");

          if (device === "phone") {
            await page.click("#open-sidebar");
            await page.locator("#sidebar.show").waitFor();
          }
          await page.fill("#search", "see");
          await page.press("#search", "Enter");
          await page.locator("#search-list mark").first().waitFor();
          await audit(page, "search results");
          await page.keyboard.press("Escape");

          if (device === "phone") {
            await page.click("#open-people");
            await page.locator("#people.show").waitFor();
            await audit(page, "the people panel");
          }
          talker.socket.disconnect();
          await context.close();
        });
      }
    }
  }
});
