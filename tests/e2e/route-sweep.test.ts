// The route sweep (docs/adr/0017): every page and route handler the build has, asked with
// every method, plain, as an RSC request and as a server action's POST, by every kind of
// caller that must read nothing — no cookie, a garbage cookie, and the still-signed cookies
// of a user who signed out, was disabled, or had their password reset — must not answer
// with any of the fleet's data. The routes come from the build's own manifest, not a list
// kept by hand, so a page added later is swept without anyone remembering to.
//
// The data is a marker planted through ingest as a version, a label and a NACK text; a
// signed-in viewer sees it (the positive control), so its absence means something.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, inject, test } from "vitest";
import { mergeCookies, sessionOf, signInWithPassword } from "../support/auth-client";
import { actionId, callAction, formOf } from "../support/server-actions";

const baseUrl = inject("baseUrl");
const password = inject("demoPassword");
const token = inject("ingestToken");

const MARKER = "rsweepmark7q";
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
const VARIANTS = ["plain", "rsc", "action"] as const;

interface Caller {
  name: string;
  cookie: string;
}

/** Every route of the build: "/(dashboard)/fleet/page" → "/fleet". Next's own internal pages aside. */
function builtRoutes(): { route: string; kind: "page" | "route" }[] {
  const file = path.join(process.cwd(), ".next", "app-path-routes-manifest.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  return Object.entries(manifest)
    .filter(([, route]) => !route.startsWith("/_"))
    .map(([entry, route]) => ({ route, kind: entry.endsWith("/route") ? ("route" as const) : ("page" as const) }));
}

interface Planted {
  reloadKey: string;
  serviceId: string;
  alertId: string;
}

/** A concrete path for a route: dynamic segments filled with the planted data's ids, so the sweep asks for the pages that show it. */
function concretePath(route: string, planted: Planted): string {
  const filled = route.replace(/\[(\.\.\.)?([^\]]+)\]/g, (_, _rest: string | undefined, name: string) => {
    // the resource page: /services/[id]/resources/[kind]/[resource], the planted one's own
    if (route.startsWith("/services/"))
      return name === "kind" ? "config" : name === "resource" ? "sweep.yaml" : planted.serviceId;
    if (route.startsWith("/reloads/") || route.startsWith("/api/reloads/") || route.startsWith("/api/v1/reloads/"))
      return planted.reloadKey;
    if (route.startsWith("/alerts/")) return planted.alertId;
    if (route.startsWith("/approvals/")) return "1";
    if (route.startsWith("/api/auth/")) return "session";
    throw new Error(
      `the sweep does not know what to put in [${name}] of ${route}: teach concretePath() which planted id it takes`,
    );
  });
  if (filled === "/replay" || filled === "/api/replay")
    return `${filled}?at=${encodeURIComponent(new Date().toISOString())}`;
  return filled;
}

async function ingest(events: Record<string, unknown>[]): Promise<void> {
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  const body = (await response.json()) as { accepted?: number };
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(body.accepted).toBe(events.length);
}

async function plant(viewer: string): Promise<Planted> {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  // Namespace "e2e": the fleet test counts the demo's own services apart from those the browser tests add.
  const base = { environment: "prod", namespace: "e2e", service: "sweep-svc", kind: "config", resource: "sweep.yaml" };
  await ingest([
    {
      ...base,
      id: `${MARKER}-hb-1`,
      instance: "sweep-1",
      labels: { region: `${MARKER}-region` },
      phase: "heartbeat",
      toVersion: `${MARKER}-v1`,
      occurredAt: minutesAgo(3),
    },
    {
      ...base,
      id: `${MARKER}-hb-2`,
      instance: "sweep-2",
      labels: { region: `${MARKER}-region` },
      phase: "heartbeat",
      toVersion: `${MARKER}-v1`,
      occurredAt: minutesAgo(3),
    },
    {
      ...base,
      id: `${MARKER}-rcv-1`,
      reloadId: `rl-${MARKER}`,
      instance: "sweep-1",
      phase: "received",
      fromVersion: `${MARKER}-v1`,
      toVersion: `${MARKER}-v2`,
      occurredAt: minutesAgo(2),
    },
    {
      ...base,
      id: `${MARKER}-nack-1`,
      reloadId: `rl-${MARKER}`,
      instance: "sweep-1",
      phase: "nacked",
      fromVersion: `${MARKER}-v1`,
      toVersion: `${MARKER}-v2`,
      error: `${MARKER}-nack: schema refused`,
      occurredAt: minutesAgo(1),
    },
    {
      ...base,
      id: `${MARKER}-app-2`,
      reloadId: `rl-${MARKER}`,
      instance: "sweep-2",
      phase: "applied",
      fromVersion: `${MARKER}-v1`,
      toVersion: `${MARKER}-v2`,
      occurredAt: minutesAgo(1),
    },
  ]);
  const list = await fetch(`${baseUrl}/api/v1/reloads?reloadId=rl-${MARKER}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const listed = (await list.json()) as { items: { key: string }[] };
  expect(list.status, JSON.stringify(listed)).toBe(200);
  const { items } = listed;
  expect(items).toHaveLength(1);
  const reloadKey = items[0]!.key;
  const reloadPage = await (await fetch(`${baseUrl}/reloads/${reloadKey}`, { headers: { cookie: viewer } })).text();
  const serviceId = /href="\/services\/(\d+)/.exec(reloadPage)?.[1];
  expect(serviceId, "the reload page links to its service").toBeDefined();
  const alerts = await (await fetch(`${baseUrl}/alerts?state=all`, { headers: { cookie: viewer } })).text();
  return { reloadKey, serviceId: serviceId!, alertId: /href="\/alerts\/(\d+)/.exec(alerts)?.[1] ?? "1" };
}

/** Sessions that are signed (a valid JWT) but must read nothing: signed out, disabled, reset. */
async function deadSessions(): Promise<Caller[]> {
  const admin = await signInWithPassword(baseUrl, "admin", password);
  const asAdmin = (file: string, exportedName: string, args: unknown[]) =>
    callAction({ baseUrl, page: "/admin/users", cookie: admin, file, exportedName, args });
  const made = async (label: string) => {
    const username = `sweep-${label}-${Date.now().toString(36)}`;
    const created = await asAdmin("lib/admin/actions/create-user.ts", "createUserForm", [
      null,
      formOf({ username, displayName: "", role: "viewer", password: "sweep-password-0123", groups: "" }),
    ]);
    expect(created).toMatchObject({ ok: true });
    const cookie = await signInWithPassword(baseUrl, username, "sweep-password-0123");
    return { id: created.ok ? (created.data as { id: number }).id : 0, cookie };
  };

  const signedOut = await made("out");
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`, { headers: { cookie: signedOut.cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = mergeCookies(signedOut.cookie, csrf);
  const signOut = await fetch(`${baseUrl}/api/auth/signout`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${baseUrl}/sign-in` }),
    redirect: "manual",
  });
  await signOut.arrayBuffer();

  const disabled = await made("disabled");
  expect(
    await asAdmin("lib/admin/actions/set-user-disabled.ts", "disableUser", [{ userId: disabled.id }]),
  ).toMatchObject({ ok: true });
  const reset = await made("reset");
  expect(
    await asAdmin("lib/admin/actions/reset-user-password.ts", "resetUserPasswordForm", [
      null,
      formOf({ userId: reset.id, password: "sweep-password-4567" }),
    ]),
  ).toMatchObject({ ok: true });

  // The cookie the browser held before signing out is replayed as it was: the sweep asks whether the server ended it.
  return [
    { name: "signed-out user's cookie", cookie: signedOut.cookie },
    { name: "disabled user's cookie", cookie: disabled.cookie },
    { name: "reset user's cookie", cookie: reset.cookie },
  ];
}

let planted: Planted;
let callers: Caller[];
let anyActionId: string;

beforeAll(async () => {
  const viewer = await signInWithPassword(baseUrl, "viewer", password);
  planted = await plant(viewer);
  callers = [
    { name: "no cookie", cookie: "" },
    {
      name: "garbage cookie",
      cookie: "next-auth.session-token=garbage.not.a.jwt; __Secure-next-auth.session-token=garbage",
    },
    ...(await deadSessions()),
  ];
  // A real action id: Next runs the action, then may render the page the POST went to.
  anyActionId = actionId("lib/alerts/actions/acknowledge-alert.ts", "acknowledgeAlert");
});

describe("the route sweep", () => {
  test("a signed-in viewer sees the marker on the pages that show it (the control: its absence below means something)", async () => {
    const viewer = await signInWithPassword(baseUrl, "viewer", password);
    for (const route of ["/fleet", "/reloads", `/reloads/${planted.reloadKey}`, `/services/${planted.serviceId}`]) {
      const response = await fetch(`${baseUrl}${route}`, { headers: { cookie: viewer } });
      expect(response.status, route).toBe(200);
      expect(await response.text(), route).toContain(MARKER);
    }
  });

  test("the dead sessions are signed cookies that next-auth itself no longer accepts", async () => {
    for (const caller of callers.slice(2)) {
      expect(caller.cookie, caller.name).toMatch(/session-token=/);
      expect((await sessionOf(baseUrl, caller.cookie)).user, caller.name).toBeUndefined();
    }
  });

  test("no page or route answers the planted data to a caller without a live session or token, by any method", async () => {
    const routes = builtRoutes();
    // Sanity: the manifest is the build's, with its pages and handlers.
    expect(routes.map((r) => r.route)).toEqual(
      expect.arrayContaining(["/fleet", "/services/[id]", "/reloads/[id]", "/api/v1/reloads", "/v1/traces"]),
    );
    const leaks: string[] = [];
    const errors: string[] = [];
    let asked = 0;
    const jobs: (() => Promise<void>)[] = [];
    for (const { route } of routes) {
      const target = concretePath(route, planted);
      for (const caller of callers) {
        for (const method of METHODS) {
          for (const variant of VARIANTS) {
            if (variant === "action" && method !== "POST") continue;
            jobs.push(async () => {
              const headers: Record<string, string> = {};
              if (caller.cookie) headers.cookie = caller.cookie;
              if (variant === "rsc") Object.assign(headers, { rsc: "1", accept: "text/x-component" });
              if (variant === "action")
                Object.assign(headers, { "next-action": anyActionId, accept: "text/x-component", origin: baseUrl });
              const hasBody = method !== "GET" && method !== "HEAD";
              const body = !hasBody ? undefined : variant === "action" ? JSON.stringify([{ id: "1" }]) : "{}";
              if (hasBody)
                headers["content-type"] = variant === "action" ? "text/plain;charset=UTF-8" : "application/json";
              const response = await fetch(`${baseUrl}${target}`, { method, headers, body, redirect: "manual" });
              const text = await response.text();
              asked++;
              const what = `${method} ${target} (${variant}, ${caller.name}) → ${response.status}`;
              if (text.includes(MARKER)) leaks.push(`${what}: ${text.length} bytes with the marker`);
              if (response.status >= 500 && response.status !== 503) errors.push(`${what}: ${text.slice(0, 200)}`);
            });
          }
        }
      }
    }
    // A few at a time: the server is shared with nothing else while this file runs.
    const workers = Array.from({ length: 4 }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) await job();
    });
    await Promise.all(workers);
    expect(asked).toBeGreaterThan(routes.length * callers.length * METHODS.length);
    expect(leaks, leaks.slice(0, 20).join("\n")).toEqual([]);
    expect(errors, errors.slice(0, 20).join("\n")).toEqual([]);
  });
});
