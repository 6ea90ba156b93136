// Debian's Chromium driven by playwright-core (never a downloaded browser).
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";
import { signInWithPassword } from "./auth-client";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does this)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}

/** A new page of `context` that records every console error and uncaught page error (a hydration mismatch is one). */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error") problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  return { page, problems };
}

/**
 * Signs `page` in through the sign-in page as a person does (the form, then the redirect
 * to the fleet); the session cookie stays in the page's context. Throws with the page's
 * error message when refused.
 */
export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in?callbackUrl=%2Ffleet`);
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  const outcome = await Promise.race([
    page.waitForURL((url) => url.pathname === "/fleet", { timeout: 30_000 }).then(() => null),
    page
      .locator("#sign-in-error")
      .waitFor({ timeout: 30_000 })
      .then(() => page.locator("#sign-in-error").innerText()),
  ]);
  if (outcome !== null) throw new Error(`signing in as ${username} was refused: ${outcome}`);
}

/** Puts a session (a Cookie header from signInWithPassword) into a browser context, for `baseUrl`. */
export async function addSessionCookies(context: BrowserContext, baseUrl: string, cookieHeader: string): Promise<void> {
  const cookies = cookieHeader
    .split(/;\s*/)
    .filter((part) => part.includes("="))
    .map((part) => {
      const at = part.indexOf("=");
      return { name: part.slice(0, at), value: part.slice(at + 1), url: baseUrl };
    });
  await context.addCookies(cookies);
}

/**
 * A browser context signed in as `username` (signed in over HTTP, as signInWithPassword does,
 * so only the tests of the sign-in page itself drive the form).
 */
export async function signedInContext(
  browser: Browser,
  baseUrl: string,
  username: string,
  password: string,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await addSessionCookies(context, baseUrl, await signInWithPassword(baseUrl, username, password));
  return context;
}
