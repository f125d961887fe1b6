/** Debian's Chromium driven by playwright-core (no downloaded browser builds). */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it with ` +
        "`apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji` or set CHROMIUM_PATH.",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A phone: 375 × 740, touch, mobile viewport rules. */
export const PHONE: BrowserContextOptions = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true };
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };

/** Context options for a browser whose language is `locale` (navigator and Accept-Language alike). */
export function speaking(locale: string): BrowserContextOptions {
  return { locale, extraHTTPHeaders: { "Accept-Language": locale } };
}

/**
 * Opens the chat in a fresh context (its own storage: a separate person),
 * enters a name and waits until connected. Page errors and console errors
 * up to that point fail the test.
 */
export async function enter(
  browser: Browser,
  url: string,
  name: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  await page.goto(url);
  await page.fill("#name", name);
  await page.click("#login-form button[type=submit]");
  await page.locator('#conn[data-state="connected"]').waitFor();
  if (errors.length) throw new Error(`the page reported errors: ${errors.join("; ")}`);
  return { context, page };
}
