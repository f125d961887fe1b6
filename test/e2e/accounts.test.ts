/**
 * Accounts in the page (protocol v1.2): a guest creates an account with a
 * passkey (Chromium's virtual authenticator, through the DevTools protocol)
 * and stays the same person; another browser signs in with that passkey and
 * is that person with their history; the password path in English and
 * Chinese, its refusals translated; sign-in by keyboard alone; the account
 * mark; signing out everywhere ends the other browser's session at once;
 * and axe finds nothing serious in the new dialogs on a desktop and a phone.
 *
 * The page is opened as http://localhost (a secure context, where WebAuthn
 * works); the relying party is then "localhost".
 */
import type { Browser, BrowserContext, BrowserContextOptions, CDPSession, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "../helpers/axe.js";
import { DESKTOP, PHONE, speaking } from "../helpers/browser.js";
import { connectClient, ok } from "../helpers/client.js";
import { useServerAndBrowser } from "../helpers/e2e.js";

const PASSWORD = "correct horse battery staple";

type Authenticator = { cdp: CDPSession; id: string };

/** A platform authenticator (user verified, resident keys) for `page`, as a phone or laptop has. */
async function addAuthenticator(context: BrowserContext, page: Page): Promise<Authenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, id: authenticatorId };
}

/** A fresh browser (its own cookies and storage) on the chat, not entered yet. */
async function open(browser: Browser, url: string, options: BrowserContextOptions = DESKTOP): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(url);
  return { context, page, errors };
}

/** Enters the chat as a guest called `name`. */
async function enterAsGuest(page: Page, name: string): Promise<void> {
  await page.fill("#name", name);
  await page.click("#login-form button[type=submit]");
  await page.locator('#conn[data-state="connected"]').waitFor();
}

type Saved = { userId?: string; token?: string; account?: string; name?: string };
const saved = (page: Page) => page.evaluate<Saved>('JSON.parse(localStorage.getItem("chat.v1") ?? "{}")');
/** What has focus: its id, or its data-account. */
const focused = (page: Page) => page.evaluate<string>('document.activeElement?.id || document.activeElement?.getAttribute("data-account") || ""');
const texts = (page: Page) => page.locator("#message-list li[data-id] .text").allTextContents();
const connected = (page: Page) => page.locator('#conn[data-state="connected"]').waitFor();

async function audit(page: Page, state: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${state}: ${JSON.stringify(violations)}`).toEqual([]);
}

/** Creates an account with a password from the name form (no guest first). */
async function signUpWithPassword(page: Page, username: string, name?: string): Promise<void> {
  await page.locator("#login [data-account=signup]").click();
  await page.locator("#signup-dialog[open]").waitFor();
  await page.fill("#signup-username", username);
  if (name) await page.fill("#signup-name", name);
  await page.fill("#signup-password", PASSWORD);
  await page.click("#signup-with-password");
  await connected(page);
}

/** Signs in with a password from the name form of a fresh page (the page reloads as the account). */
async function signInWithPassword(page: Page, username: string): Promise<void> {
  await page.locator("#login [data-account=signin]").click();
  await page.fill("#signin-username", username);
  await page.fill("#signin-password", PASSWORD);
  await Promise.all([page.waitForEvent("load"), page.click("#signin-with-password")]);
  await connected(page);
}

describe("accounts in the page", () => {
  const env = useServerAndBrowser();
  /** The page must be a secure context for WebAuthn: localhost is one, 127.0.0.1 over http is too, but the RP id must be a domain. */
  const url = () => env.server.url.replace("127.0.0.1", "localhost");

  it("when a guest creates an account with a passkey, then they stay the same person, and a second browser signing in with that passkey is them, with their history", async () => {
    const first = await open(env.browser, url());
    await enterAsGuest(first.page, "Ada");
    const guest = await saved(first.page);
    expect(guest.token).toBeTruthy();
    // Some history: a room message and a private one from Bob.
    await first.page.click('button[data-room="chat"]');
    await first.page.fill("#text", "written as a guest");
    await first.page.press("#text", "Enter");
    await expect.poll(() => first.page.locator("#message-list li.msg.mine", { hasText: "written as a guest" }).count()).toBe(1);
    const bob = await connectClient(env.server.url, { name: "Bob" });
    await ok(bob.socket, "private message", { toUser: guest.userId, text: "hi Ada, Bob here" });
    await first.page.locator('#channel-list button[data-channel^="dm:"]').waitFor();

    const authenticator = await addAuthenticator(first.context, first.page);
    await first.page.locator("header [data-account=signup]").click();
    const dialog = first.page.locator("#signup-dialog[open]");
    await dialog.waitFor();
    // Said to a guest: what they wrote stays theirs.
    await expect.poll(() => first.page.locator("#signup-guest").isVisible()).toBe(true);
    await first.page.fill("#signup-username", "ada_l");
    await first.page.fill("#signup-name", "Ada L");
    await first.page.click("#signup-passkey");
    await dialog.waitFor({ state: "detached" }).catch(() => undefined);
    await expect.poll(() => saved(first.page)).toMatchObject({ userId: guest.userId, account: "ada_l", name: "Ada L" });
    expect((await saved(first.page)).token).toBeUndefined();
    await connected(first.page);
    await expect.poll(() => first.page.locator("header .account-who").textContent()).toContain("ada_l");
    await expect.poll(() => first.page.textContent("#me-name")).toContain("Ada L");
    // The guest's token no longer signs anyone in.
    const refused = await fetch(`${env.server.url}/api/session`, { headers: { Authorization: `Bearer ${guest.token}` } });
    expect(refused.status).toBe(401);

    // Another browser: the passkey copied to its authenticator (as a synced passkey would be).
    const { credentials } = await authenticator.cdp.send("WebAuthn.getCredentials", { authenticatorId: authenticator.id });
    expect(credentials).toHaveLength(1);
    const second = await open(env.browser, url());
    const other = await addAuthenticator(second.context, second.page);
    await other.cdp.send("WebAuthn.addCredential", { authenticatorId: other.id, credential: credentials[0]! });
    await second.page.locator("#login [data-account=signin]").click();
    await second.page.locator("#signin-dialog[open]").waitFor();
    await Promise.all([second.page.waitForEvent("load"), second.page.click("#signin-passkey")]);
    await connected(second.page);
    expect(await saved(second.page)).toMatchObject({ userId: guest.userId, account: "ada_l", name: "Ada L" });
    // Their private conversation, and their room message shown as theirs.
    const dm = second.page.locator('#channel-list button[data-channel^="dm:"]', { hasText: "Bob" });
    await dm.waitFor();
    await dm.click();
    await expect.poll(() => texts(second.page)).toContain("hi Ada, Bob here");
    await second.page.click('button[data-room="chat"]');
    await expect.poll(() => second.page.locator("#message-list li.msg.mine", { hasText: "written as a guest" }).count()).toBe(1);

    // The account's messages carry the mark, for a guest too.
    await second.page.fill("#text", "now as an account");
    await second.page.press("#text", "Enter");
    await bob.socket.emitWithAck("join", "chat");
    const guestPage = await open(env.browser, url());
    await enterAsGuest(guestPage.page, "Carol");
    await guestPage.page.click('button[data-room="chat"]');
    const line = guestPage.page.locator("#message-list li.msg", { hasText: "now as an account" });
    await line.waitFor();
    // A new run (the guest's message before it had no mark): the name is shown again, with the mark.
    expect(await line.locator(".meta .from").textContent()).toBe("Ada L");
    expect(await line.locator(".meta .account-mark").textContent()).toBe(" (account)");
    expect(await line.locator(".meta .account-mark").getAttribute("title")).toBe("Signed in to the account ada_l");
    expect(await guestPage.page.locator("#online-list li.person", { hasText: "Ada L" }).locator(".account-mark").count()).toBe(1);
    expect(await guestPage.page.locator("#online-list li.person", { hasText: "Bob" }).locator(".account-mark").count()).toBe(0);
    // The guest sees the account in their private conversation list and its header too.
    await guestPage.page.locator("#online-list .person-open", { hasText: "Ada L" }).click();
    await expect.poll(() => guestPage.page.textContent("#channel-title")).toBe("@ Ada L (account)");
    expect(await guestPage.page.locator('#channel-list button[data-channel^="dm:"] .account-mark').count()).toBe(1);

    // The account dialog: the only passkey can't be removed, a password can be set (which signs the other browser out), then it can.
    await first.page.locator("header [data-account=open]").click();
    await first.page.locator("#account-dialog[open]").waitFor();
    await first.page.locator("#account-passkeys button[data-passkey]").waitFor();
    expect(await first.page.isVisible("#account-current")).toBe(false);
    expect(await first.page.textContent("#account-password-save")).toBe("Set a password");
    await first.page.locator("#account-passkeys button[data-passkey]").click();
    await expect.poll(() => first.page.textContent("#account-error")).toBe("That is your only way to sign in. Add a password or another passkey first.");
    await first.page.fill("#account-password", PASSWORD);
    await first.page.click("#account-password-save");
    await expect.poll(() => first.page.textContent("#account-status")).toBe("Password saved. Your other devices are signed out.");
    await second.page.locator("#login:not([hidden])").waitFor({ timeout: 5000 });
    await expect.poll(() => first.page.isVisible("#account-current")).toBe(true);
    await first.page.locator("#account-passkeys button[data-passkey]").click();
    await expect.poll(() => first.page.textContent("#account-status")).toBe("Passkey removed.");
    await expect.poll(() => first.page.textContent("#account-passkeys")).toContain("No passkey yet.");
    await first.page.click("#account-passkey-add");
    await expect.poll(() => first.page.textContent("#account-status")).toBe("Passkey added.");
    await expect.poll(() => first.page.locator("#account-passkeys button[data-passkey]").count()).toBe(1);
    await first.page.keyboard.press("Escape");
    await first.page.locator("#account-dialog[open]").waitFor({ state: "detached" });
    expect(await focused(first.page)).toBe("open");

    bob.socket.disconnect();
    expect([...first.errors, ...second.errors, ...guestPage.errors]).toEqual([]);
    for (const c of [first.context, second.context, guestPage.context]) await c.close();
  });

  for (const locale of ["en", "zh-CN"] as const) {
    it(`when someone signs up and in with a password (${locale}), then refusals are said in ${locale} and the account dialog manages the name, password and devices`, async () => {
      const zh = locale === "zh-CN";
      const username = zh ? "xiaoming" : "grace_h";
      const a = await open(env.browser, url(), { ...DESKTOP, ...speaking(locale) });
      expect(await a.page.locator("#login [data-account=signup]").textContent()).toBe(zh ? "注册账户" : "Create account");
      // Too short a password is refused before anything is sent.
      await a.page.locator("#login [data-account=signup]").click();
      await a.page.fill("#signup-username", username);
      await a.page.fill("#signup-password", "short");
      await a.page.click("#signup-with-password");
      expect(await a.page.textContent("#signup-error")).toBe(zh ? "密码长度为 10–200 个字符。" : "A password has 10–200 characters.");
      await a.page.keyboard.press("Escape");
      await a.page.locator("#signup-dialog[open]").waitFor({ state: "detached" });
      await signUpWithPassword(a.page, username, zh ? "小明" : "Grace");
      await expect.poll(() => a.page.textContent("#me-name")).toContain(zh ? "小明" : "Grace");

      // The username is taken now (whatever the case), said in the page's language.
      const b = await open(env.browser, url(), { ...DESKTOP, ...speaking(locale) });
      await b.page.locator("#login [data-account=signup]").click();
      await b.page.fill("#signup-username", username.toUpperCase());
      await b.page.fill("#signup-password", PASSWORD);
      await b.page.click("#signup-with-password");
      await expect.poll(() => b.page.textContent("#signup-error")).toBe(zh ? "这个用户名已被占用，请换一个。" : "That username is taken. Pick another.");
      expect(await b.page.getAttribute("#signup-username", "aria-invalid")).toBe("true");
      await b.page.keyboard.press("Escape");

      // A wrong password, then the right one.
      await b.page.locator("#login [data-account=signin]").click();
      await b.page.fill("#signin-username", username);
      await b.page.fill("#signin-password", "not the password");
      await b.page.click("#signin-with-password");
      await expect.poll(() => b.page.textContent("#signin-error")).toBe(zh ? "用户名或密码错误。" : "Wrong username or password.");
      await b.page.fill("#signin-password", PASSWORD);
      await Promise.all([b.page.waitForEvent("load"), b.page.click("#signin-with-password")]);
      await connected(b.page);
      expect((await saved(b.page)).account).toBe(username);

      // A guest cannot take the account's name.
      const c = await open(env.browser, url(), { ...DESKTOP, ...speaking(locale) });
      await c.page.fill("#name", username.toUpperCase());
      await c.page.click("#login-form button[type=submit]");
      await expect.poll(() => c.page.textContent("#login-error")).toBe(zh ? "这个名字属于一个账户。请登录，或换一个名字。" : "This name belongs to an account. Sign in, or pick another name.");
      await enterAsGuest(c.page, zh ? "访客" : "Visitor");

      // The account dialog: both devices listed, the name changed, the other device signed out.
      await b.page.locator("header [data-account=open]").click();
      await b.page.locator("#account-dialog[open]").waitFor();
      await expect.poll(() => b.page.locator("#account-sessions li").count()).toBe(2);
      expect(await b.page.locator("#account-sessions li", { hasText: zh ? "本设备" : "this device" }).count()).toBe(1);
      expect(await b.page.isVisible("#account-current")).toBe(true);
      await b.page.fill("#account-name", zh ? "小明同学" : "Grace H");
      await b.page.click("#account-name-form button[type=submit]");
      await expect.poll(() => b.page.textContent("#account-status")).toBe(zh ? "名字已保存。" : "Name saved.");
      await expect.poll(() => b.page.textContent("#me-name")).toContain(zh ? "小明同学" : "Grace H");
      expect(await b.page.textContent("#account-passkeys")).toContain(zh ? "还没有通行密钥。" : "No passkey yet.");
      await b.page.locator("#account-sessions button[data-session]").click();
      await expect.poll(() => b.page.textContent("#account-status")).toBe(zh ? "那台设备已退出登录。" : "That device is signed out.");
      // That device (a) is a guest again, asked for a name, told why.
      await a.page.locator("#login:not([hidden])").waitFor();
      expect(await a.page.textContent("#login-note")).toBe(zh ? "你已退出登录。请输入名字以访客身份继续聊天，或重新登录。" : "You were signed out. Pick a name to keep chatting as a guest, or sign in again.");
      expect(await saved(a.page)).not.toHaveProperty("account");
      await enterAsGuest(a.page, zh ? "另一位" : "Someone");

      await b.page.locator("#account-signout").click();
      await b.page.locator("#login:not([hidden])").waitFor();
      expect(await saved(b.page)).not.toHaveProperty("account");
      expect([...a.errors, ...b.errors, ...c.errors]).toEqual([]);
      for (const x of [a, b, c]) await x.context.close();
    });
  }

  it("when one tab of a guest creates an account, then their other tab follows as the account, and signs out with the first", async () => {
    const a = await open(env.browser, url());
    await enterAsGuest(a.page, "Tabby");
    const other = await a.context.newPage();
    await other.goto(url());
    await connected(other);
    const guest = await saved(other);
    await a.page.locator("header [data-account=signup]").click();
    await a.page.locator("#signup-dialog[open]").waitFor();
    await a.page.fill("#signup-username", "tabby");
    await a.page.fill("#signup-password", PASSWORD);
    await a.page.click("#signup-with-password");
    await expect.poll(() => other.locator("header .account-who").textContent(), { timeout: 10_000 }).toContain("tabby");
    await connected(other);
    expect(await saved(other)).toMatchObject({ userId: guest.userId, account: "tabby" });
    await a.page.locator("header [data-account=open]").click();
    await a.page.locator("#account-signout").click();
    await a.page.locator("#login:not([hidden])").waitFor();
    await other.locator("#login:not([hidden])").waitFor({ timeout: 5000 });
    expect(a.errors).toEqual([]);
    await a.context.close();
  });

  it("when sign-in fails too often for one username, then the page says how long to wait", async () => {
    const a = await open(env.browser, url());
    await a.page.locator("#login [data-account=signin]").click();
    await a.page.fill("#signin-username", "nobody_here");
    for (let i = 0; i < 5; i++) {
      await a.page.fill("#signin-password", `wrong password ${i}`);
      await a.page.click("#signin-with-password");
      await expect.poll(() => a.page.textContent("#signin-error")).toBe("Wrong username or password.");
      await a.page.evaluate('document.getElementById("signin-error").textContent = ""');
    }
    await a.page.fill("#signin-password", "wrong again");
    await a.page.click("#signin-with-password");
    await expect.poll(() => a.page.textContent("#signin-error")).toMatch(/^Too many attempts\. Try again in (1[0-5]|[1-9]) minutes?\.$/);
    expect(a.errors).toEqual([]);
    await a.context.close();
  });

  it("when someone signs in by keyboard alone, then every step is reached with Tab and Enter, and Escape closes a dialog back to its button", async () => {
    const a = await open(env.browser, url());
    await signUpWithPassword(a.page, "keyboard_kim");
    await a.context.close();

    const b = await open(env.browser, url());
    // From the name field: Tab to "Sign in", Enter opens the dialog with focus in it.
    await b.page.focus("#name");
    for (let i = 0; i < 5 && (await focused(b.page)) !== "signin"; i++) await b.page.keyboard.press("Tab");
    expect(await focused(b.page)).toBe("signin");
    await b.page.keyboard.press("Enter");
    await b.page.locator("#signin-dialog[open]").waitFor();
    expect(await focused(b.page)).toBe("signin-passkey");
    await b.page.keyboard.press("Escape");
    await b.page.locator("#signin-dialog[open]").waitFor({ state: "detached" });
    expect(await focused(b.page)).toBe("signin");
    await b.page.keyboard.press("Enter");
    await b.page.locator("#signin-dialog[open]").waitFor();
    await b.page.keyboard.press("Tab");
    expect(await focused(b.page)).toBe("signin-username");
    await b.page.keyboard.type("keyboard_kim");
    await b.page.keyboard.press("Tab");
    await b.page.keyboard.type(PASSWORD);
    await Promise.all([b.page.waitForEvent("load"), b.page.keyboard.press("Enter")]);
    await connected(b.page);
    expect((await saved(b.page)).account).toBe("keyboard_kim");
    expect(b.errors).toEqual([]);
    await b.context.close();
  });

  it("when someone signs out everywhere, then their other browser is disconnected and back to being a guest", async () => {
    const a = await open(env.browser, url());
    await signUpWithPassword(a.page, "everywhere");
    const b = await open(env.browser, url());
    await signInWithPassword(b.page, "everywhere");

    await b.page.locator("header [data-account=open]").click();
    await b.page.locator("#account-signout-all").click();
    await b.page.locator("#login:not([hidden])").waitFor();
    // The other browser: disconnected by the server, found signed out, a guest again.
    await a.page.locator("#login:not([hidden])").waitFor({ timeout: 5000 });
    expect(await a.page.textContent("#login-note")).toContain("You were signed out");
    const stillIn = await a.page.evaluate<number>('fetch("/api/session").then((r) => r.status)');
    expect(stillIn).toBe(401);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  it("when a message mentions an account and a guest, then the account's @name carries the mark in the text and the guest's does not", async () => {
    const teacher = await open(env.browser, url());
    await signUpWithPassword(teacher.page, "mentor");
    await teacher.page.click('button[data-room="chat"]');
    const pupil = await open(env.browser, url());
    await enterAsGuest(pupil.page, "Pupil");
    await pupil.page.click('button[data-room="chat"]');
    const other = await open(env.browser, url());
    await enterAsGuest(other.page, "Mentorship");
    await other.page.click('button[data-room="chat"]');
    await expect.poll(() => pupil.page.locator("#online-list li.person").count()).toBe(3);

    // Picked by @-completion, so the message names whom it mentions.
    for (const [typed, pick] of [["@mentor", "mentor"], ["@Mentors", "Mentorship"]] as const) {
      await pupil.page.locator("#text").pressSequentially(`${typed.slice(0, -1)}`);
      const option = pupil.page.locator("#mention-list [role=option]", { hasText: new RegExp(`^${pick}`) });
      await option.first().click();
      await pupil.page.locator("#text").pressSequentially(typed === "@mentor" ? "and " : "thanks");
    }
    expect(await pupil.page.inputValue("#text")).toBe("@mentor and @Mentorship thanks");
    await pupil.page.press("#text", "Enter");

    for (const page of [teacher.page, pupil.page, other.page]) {
      const text = page.locator("#message-list li.msg .text", { hasText: "thanks" });
      await text.waitFor();
      // One mark, right after "@mentor"; none after the guest's "@Mentorship".
      expect(await text.locator(".account-mark").count()).toBe(1);
      type Node = { nodeType: number; textContent: string | null; classList?: { contains(c: string): boolean } };
      const before = await text.evaluate((el) => {
        let s = "";
        for (const n of (el as unknown as { childNodes: Iterable<Node> }).childNodes) {
          if (n.nodeType === 1 && n.classList?.contains("account-mark")) break;
          if (n.nodeType !== 8) s += n.textContent ?? "";
        }
        return s;
      });
      expect(before).toBe("@mentor");
      expect(await text.textContent()).toBe("@mentor (account) and @Mentorship thanks");
    }
    await audit(pupil.page, "mentions");
    expect([...teacher.errors, ...pupil.errors, ...other.errors]).toEqual([]);
    await teacher.context.close();
    await pupil.context.close();
    await other.context.close();
  });

  it("when a browser comes back with a session that ended while it was away, then the page does not lock up: it clears the cookie and asks for a guest name", async () => {
    const a = await open(env.browser, url());
    await signUpWithPassword(a.page, "away_awhile");
    await a.page.close();
    const b = await open(env.browser, url());
    await signInWithPassword(b.page, "away_awhile");
    await b.page.locator("header [data-account=open]").click();
    await b.page.locator("#account-signout-all").click();
    await b.page.locator("#login:not([hidden])").waitFor();

    // The first browser again: its cookie names an ended session.
    const again = await a.context.newPage();
    const errors: string[] = [];
    again.on("pageerror", (err) => errors.push(err.message));
    await again.goto(url());
    await again.locator("#login:not([hidden])").waitFor({ timeout: 10_000 });
    expect(await again.textContent("#login-note")).toContain("You were signed out");
    expect((await a.context.cookies()).filter((c) => c.name === "chat_session")).toEqual([]);
    await enterAsGuest(again, "Back as a guest");
    expect((await saved(again)).account).toBeUndefined();
    expect([...errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  for (const [device, options] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    for (const locale of ["en", "zh-CN"] as const) {
      // Chinese in the dark theme, English in the light one.
      const colorScheme = locale === "zh-CN" ? "dark" : "light";
      it(`when the accounts dialogs are open (${device}, ${locale}, ${colorScheme}), then axe finds no serious violation`, async () => {
        const a = await open(env.browser, url(), { ...options, ...speaking(locale), colorScheme, reducedMotion: "reduce" });
        await a.page.locator("#login [data-account=signup]").click();
        await a.page.locator("#signup-dialog[open]").waitFor();
        await audit(a.page, "the create-account dialog");
        await a.page.fill("#signup-username", "x");
        await a.page.click("#signup-with-password");
        await a.page.locator("#signup-error:not(:empty)").waitFor();
        await audit(a.page, "the create-account dialog with an error");
        await a.page.keyboard.press("Escape");
        await a.page.locator("#login [data-account=signin]").click();
        await a.page.locator("#signin-dialog[open]").waitFor();
        await audit(a.page, "the sign-in dialog");
        await a.page.keyboard.press("Escape");
        const username = `axe_${device}_${locale.replace("-", "")}`;
        await signUpWithPassword(a.page, username);
        if (device === "phone") {
          await a.page.click("#open-sidebar");
          await a.page.locator("#sidebar.show").waitFor();
          await audit(a.page, "the rooms panel of someone signed in");
          await a.page.locator("#sidebar [data-account=open]").click();
        } else {
          await a.page.locator("header [data-account=open]").click();
        }
        await a.page.locator("#account-dialog[open]").waitFor();
        await a.page.locator("#account-sessions li[data-session-row]").first().waitFor();
        await audit(a.page, "the account dialog");
        expect(a.errors).toEqual([]);
        await a.context.close();
      });
    }
  }
});
