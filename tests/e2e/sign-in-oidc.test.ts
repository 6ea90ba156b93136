// OIDC sign-in through a real issuer (DESIGN.md "Roles"): the test starts oidc-provider on a free
// loopback port, with one client, and its own `next start` whose OIDC_* variables point at it;
// then it signs in through the whole authorization-code flow (PKCE and state, the issuer's
// login and consent forms) as a browser would, first with fetch and a cookie jar per origin,
// then by clicking in Chromium. The role comes from the ID token's groups claim, mapped by
// OIDC_ROLE_MAP at every sign-in; a user in no mapped group is refused (OIDC_DEFAULT_ROLE=none).
// Nothing of next-auth is mocked.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import pg from "pg";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { freePort, nextStartCommand, serverAuthEnv, waitUntilAnswering } from "@/scripts/next-server";
import { mergeCookies, sessionOf, type SessionJson } from "../support/auth-client";
import { launchBrowser } from "../support/browser";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const CLIENT_ID = "reloadscope-e2e";
const CLIENT_SECRET = "e2e-client-secret-0123456789abcdef";

/** The issuer's users and their claims; a test may change a user's groups between sign-ins. */
const people = new Map<string, { name: string; preferred_username: string; email: string; groups: string[] }>([
  [
    "sub-ada",
    {
      name: "Ada Approver",
      preferred_username: "ada",
      email: "ada@example.com",
      groups: ["marketing", "reload-approvers"],
    },
  ],
  [
    "sub-ben",
    { name: "Ben Admin", preferred_username: "ben", email: "ben@example.com", groups: ["sre", "reload-admins"] },
  ],
  ["sub-cy", { name: "Cy Outsider", preferred_username: "cy", email: "cy@example.com", groups: ["marketing"] }],
  // Takes a local user's name: gets a username of its own, never the local user's row.
  [
    "sub-admin",
    { name: "Not The Local Admin", preferred_username: "admin", email: "x@example.com", groups: ["readers"] },
  ],
]);

let idp: http.Server;
let issuer: string;
let app: ChildProcess;
let appUrl: string;
let database: TestDatabase;
let browser: Browser | undefined;
const logs: string[] = [];

beforeAll(async () => {
  const [idpPort, appPort] = [await freePort(), await freePort()];
  issuer = `http://127.0.0.1:${idpPort}`;
  appUrl = `http://127.0.0.1:${appPort}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${appUrl}/api/auth/callback/oidc`],
        response_types: ["code"],
        grant_types: ["authorization_code"],
      },
    ],
    async findAccount(_ctx, sub) {
      const person = people.get(sub);
      return person ? { accountId: sub, claims: async () => ({ sub, ...person }) } : undefined;
    },
    claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"], groups: ["groups"] },
    scopes: ["openid", "profile", "email", "groups"],
    // The scopes' claims go into the ID token itself (next-auth reads the ID token, not userinfo).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    cookies: { keys: ["e2e-oidc-cookie-key-0001"] },
    // The issuer's own development login and consent pages: any login name is that account.
    features: { devInteractions: { enabled: true } },
  });
  idp = http.createServer(provider.callback());
  await new Promise<void>((resolve) => idp.listen(idpPort, "127.0.0.1", resolve));
  expect((idp.address() as AddressInfo).port).toBe(idpPort);

  // A database of its own: the shared e2e server keeps its demo users to itself.
  database = await createTestDatabase("oidc", inject("databaseServerUrl") || null);
  const local = new pg.Client({ connectionString: database.url });
  await local.connect();
  await local.query(`INSERT INTO app_user (username, display_name, role) VALUES ('admin', 'Local admin', 'admin')`);
  await local.end();
  const [command, ...args] = nextStartCommand(appPort);
  app = spawn(command!, args, {
    env: {
      ...process.env,
      ...serverAuthEnv(appUrl),
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: database.embedded ? "1" : "5",
      NEXT_TELEMETRY_DISABLED: "1",
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_NAME: "Test IdP",
      OIDC_SCOPES: "groups",
      OIDC_ROLE_CLAIM: "groups",
      OIDC_ROLE_MAP: "reload-admins=admin, reload-approvers=approver, sre=operator, readers=viewer",
      OIDC_DEFAULT_ROLE: "none",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  app.stdout?.on("data", (d) => logs.push(String(d)));
  app.stderr?.on("data", (d) => logs.push(String(d)));
  await waitUntilAnswering(appUrl, app, 60_000, () => logs.join(""));
});

afterAll(async () => {
  await browser?.close();
  if (app && app.exitCode === null) {
    app.kill("SIGTERM");
    await new Promise((r) => app.once("exit", r));
  }
  await new Promise((r) => (idp ? idp.close(r) : r(undefined)));
  await database?.drop();
});

/** Cookies per origin (host and port), as a browser keeps them apart for these two servers' paths. */
class Browserless {
  private readonly jars = new Map<string, string>();
  visited: string[] = [];

  cookie(url: string): string {
    return this.jars.get(new URL(url).origin) ?? "";
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const origin = new URL(url).origin;
    this.visited.push(`${init.method ?? "GET"} ${url}`);
    const response = await fetch(url, {
      method: init.method ?? "GET",
      headers: {
        cookie: this.jars.get(origin) ?? "",
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: init.form ? new URLSearchParams(init.form) : undefined,
      redirect: "manual",
    });
    this.jars.set(origin, mergeCookies(this.jars.get(origin) ?? "", response));
    return response;
  }

  /** Follows redirects (303 and 302 as GET) until a page answers; returns it and its URL. */
  async follow(response: Response, from: string): Promise<{ response: Response; url: string }> {
    let url = from;
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location) return { response, url };
      await response.arrayBuffer();
      url = new URL(location, url).toString();
      response = await this.request(url);
    }
    throw new Error(`too many redirects:\n${this.visited.join("\n")}`);
  }
}

/** The issuer's login or consent form on this page, if there is one. */
function interactionForm(html: string, page: string): { action: string; prompt: "login" | "consent" } | null {
  const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1] as "login" | "consent" | undefined;
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  return prompt && action ? { prompt, action: new URL(action.replaceAll("&amp;", "&"), page).toString() } : null;
}

/** The whole authorization-code flow as a browser runs it; resolves to where it ends and the app's session. */
async function signInThroughIssuer(
  sub: string,
  callbackPath = "/reloads",
): Promise<{ landed: URL; session: SessionJson; client: Browserless }> {
  const client = new Browserless();
  // The sign-in button's request: next-auth's CSRF token, then POST /api/auth/signin/oidc.
  const csrf = await client.request(`${appUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  let step = await client.follow(
    await client.request(`${appUrl}/api/auth/signin/oidc`, {
      method: "POST",
      form: { csrfToken, callbackUrl: `${appUrl}${callbackPath}` },
    }),
    `${appUrl}/api/auth/signin/oidc`,
  );
  // At the issuer: its login form (any password: the development interactions), then consent.
  for (let forms = 0; forms < 4; forms++) {
    if (new URL(step.url).origin !== issuer) break;
    const html = await step.response.text();
    const form = interactionForm(html, step.url);
    if (!form)
      throw new Error(
        `the issuer answered ${step.response.status} without a form at ${step.url}:\n${html.slice(0, 500)}`,
      );
    const fields: Record<string, string> =
      form.prompt === "login" ? { prompt: "login", login: sub, password: "any" } : { prompt: "consent" };
    step = await client.follow(await client.request(form.action, { method: "POST", form: fields }), form.action);
  }
  await step.response.arrayBuffer();
  return { landed: new URL(step.url), session: await sessionOf(appUrl, client.cookie(appUrl)), client };
}

describe("OIDC sign-in through a real issuer", () => {
  test("the sign-in page offers the issuer by its OIDC_NAME", async () => {
    const html = await (await fetch(`${appUrl}/sign-in`)).text();
    expect(html).toContain("Sign in with Test IdP");
  });

  test("a user in reload-approvers (and an unmapped group) signs in as approver and lands where they were going", async () => {
    const { landed, session, client } = await signInThroughIssuer("sub-ada", "/reloads?status=failed");
    expect(client.visited.some((v) => v.startsWith(`GET ${issuer}/auth?`))).toBe(true);
    expect(client.visited.some((v) => v.startsWith(`GET ${appUrl}/api/auth/callback/oidc?code=`))).toBe(true);
    expect(`${landed.origin}${landed.pathname}${landed.search}`).toBe(`${appUrl}/reloads?status=failed`);
    expect(session.user).toMatchObject({ username: "ada", name: "Ada Approver", role: "approver" });
  });

  test("the highest mapped role wins", async () => {
    const { session } = await signInThroughIssuer("sub-ben");
    expect(session.user).toMatchObject({ username: "ben", role: "admin" });
  });

  test("the role follows the issuer's groups at the next sign-in; the user stays the same row", async () => {
    const before = (await signInThroughIssuer("sub-ada")).session.user!;
    people.get("sub-ada")!.groups = ["sre"];
    try {
      const after = (await signInThroughIssuer("sub-ada")).session.user!;
      expect(after).toMatchObject({ id: before.id, username: "ada", role: "operator" });
    } finally {
      people.get("sub-ada")!.groups = ["marketing", "reload-approvers"];
    }
  });

  test("a user in no mapped group is refused with the reason (OIDC_DEFAULT_ROLE=none)", async () => {
    const { landed, session, client } = await signInThroughIssuer("sub-cy");
    expect(landed.pathname).toBe("/sign-in");
    expect(landed.searchParams.get("error")).toBe("NoRole");
    expect(session).toEqual({});
    const page = await (await client.request(landed.toString())).text();
    expect(page).toContain("in no group that has a role in Reloadscope");
  });

  test("a preferred_username another user has gets a name of its own", async () => {
    const { session } = await signInThroughIssuer("sub-admin");
    expect(session.user).toMatchObject({ username: `admin@${new URL(issuer).host}`, role: "viewer" });
  });

  test("in Chromium: the button, the issuer's forms, and back signed in with the mapped role in the header", async () => {
    browser = await launchBrowser();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${appUrl}/fleet`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
    await page.waitForURL((url) => url.origin === issuer);
    await page.locator('input[name="login"]').fill("sub-ben");
    await page.locator('input[name="password"]').fill("any");
    await page.locator('button[type="submit"]').click();
    await page.locator('input[name="prompt"][value="consent"]').waitFor({ state: "attached" });
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.origin === appUrl && url.pathname === "/fleet");
    const menu = page.getByLabel("Signed in");
    await expect.poll(() => menu.textContent()).toContain("Ben Admin");
    expect(await menu.locator(".badge").textContent()).toBe("admin");
    await context.close();
  });
});
