// Signing in (DESIGN.md "Roles") against the built app: next-auth's own endpoints as a script uses
// them (csrf → callback/credentials → session), the session JSON's role, refusals, the gate
// in front of every page, the sign-in page in Chromium (errors, callbackUrl kept on this
// origin, the header, sign-out), and the machine endpoints that take tokens, never a cookie.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { mergeCookies, postCredentials, sessionOf, signInWithPassword } from "../support/auth-client";
import { launchBrowser, signIn, watchedPage } from "../support/browser";
import { callAction, formOf } from "../support/server-actions";

const baseUrl = inject("baseUrl");
const password = inject("demoPassword");
const token = inject("ingestToken");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe("next-auth's endpoints, as a script signs in", () => {
  test.each(["viewer", "operator", "approver", "admin"])(
    "%s signs in; the session JSON carries id, username and role",
    async (username) => {
      const cookie = await signInWithPassword(baseUrl, username, password);
      const session = await sessionOf(baseUrl, cookie);
      expect(session.user).toMatchObject({ username, role: username });
      expect(session.user!.id).toBeGreaterThan(0);
      expect(Date.parse(session.expires!)).toBeGreaterThan(Date.now());
    },
  );

  test.each([
    ["viewer", "not-the-password"],
    ["nobody-by-this-name", password],
    ["viewer", ""],
  ])("%s with a wrong password is refused: no session", async (username, wrong) => {
    const refused = await postCredentials(baseUrl, username, wrong);
    expect(refused.error).toBe("CredentialsSignin");
    expect(await sessionOf(baseUrl, refused.cookie)).toEqual({});
  });

  test("without the CSRF token nothing is signed in", async () => {
    const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "admin", password }),
      redirect: "manual",
    });
    await response.arrayBuffer();
    expect(await sessionOf(baseUrl, mergeCookies("", response))).toEqual({});
  });

  test("a tampered session cookie is no session", async () => {
    const cookie = await signInWithPassword(baseUrl, "admin", password);
    const tampered = cookie.replace(
      /(next-auth\.session-token=[^;]{20})./,
      (_, head: string) => `${head}${head.endsWith("A") ? "B" : "A"}`,
    );
    expect(tampered).not.toBe(cookie);
    expect(await sessionOf(baseUrl, tampered)).toEqual({});
  });
});

describe("the gate", () => {
  test.each(["/fleet", "/reloads?status=failed", "/replay", "/"])(
    "signed out, %s redirects to the sign-in page and comes back",
    async (path) => {
      const response = await fetch(`${baseUrl}${path}`, { redirect: "manual" });
      expect([302, 303, 307, 308]).toContain(response.status);
      const location = new URL(response.headers.get("location")!, baseUrl);
      expect(location.pathname).toBe("/sign-in");
      expect(location.searchParams.get("callbackUrl")).toBe(path);
    },
  );

  test("signed in, the page renders", async () => {
    const cookie = await signInWithPassword(baseUrl, "viewer", password);
    const response = await fetch(`${baseUrl}/fleet`, { headers: { cookie }, redirect: "manual" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Demo viewer");
  });

  test("the sign-in page itself is open", async () => {
    const response = await fetch(`${baseUrl}/sign-in`, { redirect: "manual" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Sign in to Reloadscope");
  });

  test("the pages' JSON routes need a session or a read token", async () => {
    const list = await fetch(`${baseUrl}/api/v1/reloads?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    const { items } = (await list.json()) as { items: { key: string }[] };
    const progress = `${baseUrl}/reloads/${items[0]!.key}/progress`;
    const replay = `${baseUrl}/api/replay?at=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`;
    const cookie = await signInWithPassword(baseUrl, "viewer", password);
    for (const url of [progress, replay]) {
      const signedOut = await fetch(url, { redirect: "manual" });
      expect(signedOut.status, url).toBe(401);
      expect(((await signedOut.json()) as { error: string }).error).toBe("unauthorized");
      expect((await fetch(url, { headers: { cookie } })).status, url).toBe(200);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status, url).toBe(200);
      expect(
        (await fetch(url, { headers: { authorization: "Bearer rs_not_a_real_token_0000000000" } })).status,
        url,
      ).toBe(401);
    }
  });
});

describe("ending sessions", () => {
  // The forms' adapters (previous state, FormData), as the admin page calls them; the buttons' plain actions.
  const CREATE_USER = { file: "lib/admin/actions/create-user.ts", exportedName: "createUserForm" };
  const RESET_PASSWORD = { file: "lib/admin/actions/reset-user-password.ts", exportedName: "resetUserPasswordForm" };
  const DISABLE_USER = { file: "lib/admin/actions/set-user-disabled.ts", exportedName: "disableUser" };
  const ENABLE_USER = { file: "lib/admin/actions/set-user-disabled.ts", exportedName: "enableUser" };

  test("a password reset ends the sessions signed in before it, and disabling ends them for good (enabling does not revive them)", async () => {
    const admin = await signInWithPassword(baseUrl, "admin", password);
    const asAdmin = <T>(action: { file: string; exportedName: string }, input: Record<string, string | number>) =>
      callAction<T>({
        baseUrl,
        page: "/admin/users",
        cookie: admin,
        ...action,
        args: /Form$/.test(action.exportedName) ? [null, formOf(input)] : [input],
      });
    const username = `e2e-session-${Date.now().toString(36)}`;
    const first = "first-password-0123";
    const created = await asAdmin<{ id: number }>(CREATE_USER, {
      username,
      displayName: "",
      role: "viewer",
      password: first,
      groups: "",
    });
    expect(created).toMatchObject({ ok: true });
    const userId = created.ok ? created.data.id : 0;

    const before = await signInWithPassword(baseUrl, username, first);
    expect((await sessionOf(baseUrl, before)).user).toMatchObject({ username });
    expect(await asAdmin(RESET_PASSWORD, { userId, password: "second-password-0123" })).toMatchObject({ ok: true });
    // The session signed in before the reset is over: no user in it, the pages send it to sign in.
    expect((await sessionOf(baseUrl, before)).user).toBeUndefined();
    const page = await fetch(`${baseUrl}/fleet`, { headers: { cookie: before }, redirect: "manual" });
    expect([302, 303, 307, 308]).toContain(page.status);
    expect(new URL(page.headers.get("location")!, baseUrl).pathname).toBe("/sign-in");
    expect(await postCredentials(baseUrl, username, first)).toMatchObject({ error: "CredentialsSignin" });

    const after = await signInWithPassword(baseUrl, username, "second-password-0123");
    expect((await sessionOf(baseUrl, after)).user).toMatchObject({ username });
    expect(await asAdmin(DISABLE_USER, { userId })).toMatchObject({ ok: true });
    expect((await sessionOf(baseUrl, after)).user).toBeUndefined();
    expect(await asAdmin(ENABLE_USER, { userId })).toMatchObject({ ok: true });
    expect((await sessionOf(baseUrl, after)).user).toBeUndefined();
    expect(
      (await sessionOf(baseUrl, await signInWithPassword(baseUrl, username, "second-password-0123"))).user,
    ).toMatchObject({ username });
  });
});

describe("machine endpoints take bearer tokens, never a session cookie alone", () => {
  test("GET /api/v1/reloads and POST /api/v1/events with an admin's cookie: 401; with the token: 200", async () => {
    const cookie = await signInWithPassword(baseUrl, "admin", password);
    const read = await fetch(`${baseUrl}/api/v1/reloads?limit=1`, { headers: { cookie } });
    expect(read.status).toBe(401);
    const ingest = await fetch(`${baseUrl}/api/v1/events`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: "[]",
    });
    expect(ingest.status).toBe(401);
    const traces = await fetch(`${baseUrl}/v1/traces`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: "{}",
    });
    expect(traces.status).toBe(401);
    const logs = await fetch(`${baseUrl}/v1/logs`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: "{}",
    });
    expect(logs.status).toBe(401);
    expect(
      (await fetch(`${baseUrl}/api/v1/reloads?limit=1`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
  });
});

describe("the sign-in page in a browser", () => {
  test("a wrong password says so; the right one lands on the page asked for, with the user and role in the header; sign-out ends it", async () => {
    const context = await browser.newContext();
    const { page, problems } = await watchedPage(context);
    await page.goto(`${baseUrl}/reloads?status=failed`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");

    // Empty fields are named beside the fields, without a round trip.
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.locator("#username-error").textContent()).toBe("Enter your username.");

    await page.getByLabel("Username", { exact: true }).fill("operator");
    await page.getByLabel("Password", { exact: true }).fill("not-the-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.locator("#sign-in-error").textContent()).toBe("Wrong username or password.");
    expect(await page.locator("#sign-in-error").getAttribute("role")).toBe("alert");
    expect(new URL(page.url()).pathname).toBe("/sign-in");

    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/reloads");
    expect(new URL(page.url()).searchParams.get("status")).toBe("failed");
    const menu = page.getByLabel("Signed in");
    await expect.poll(() => menu.textContent()).toContain("Demo operator");
    expect(await menu.locator(".badge").textContent()).toBe("operator");

    await menu.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.pathname === "/sign-in");
    await page.goto(`${baseUrl}/fleet`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    // The refused attempt's 401 is logged by Chromium as a failed resource; nothing else may appear.
    expect(
      problems.filter((p) => !p.includes("401 (Unauthorized) (" + baseUrl + "/api/auth/callback/credentials)")),
    ).toEqual([]);
    await context.close();
  });

  test("a callbackUrl elsewhere is not followed: the sign-in stays on this origin", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/sign-in?callbackUrl=${encodeURIComponent("https://evil.example/steal")}`);
    await page.getByLabel("Username", { exact: true }).fill("viewer");
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/fleet");
    expect(new URL(page.url()).origin).toBe(baseUrl);
    await context.close();
  });

  test("signIn(page) from the test support signs in through the form", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, baseUrl, "approver", password);
    expect((await context.cookies(baseUrl)).some((c) => c.name === "next-auth.session-token" && c.httpOnly)).toBe(true);
    await context.close();
    const other = await browser.newContext();
    await expect(signIn(await other.newPage(), baseUrl, "approver", "nope")).rejects.toThrow(
      "Wrong username or password.",
    );
    await other.close();
  });
});
