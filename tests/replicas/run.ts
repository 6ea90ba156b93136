// npm run test:replicas — two app replicas behind HAProxy on one PostgreSQL (DESIGN.md
// "Architecture": replicas behind a load balancer).
//
// Against the built app and the local PostgreSQL at DATABASE_URL (default
// postgresql://postgres@127.0.0.1:5432/postgres): a fresh database, migrated; two `next start`
// processes (replicas a and b, each running the job worker) on free 127.0.0.1 ports; Debian's
// HAProxy in front of them on another (127.0.0.1 only, round-robin, naming the replica that
// answered in X-Replica). Then:
//   - ingest through HAProxy reaches both replicas, and every event is stored once (a batch
//     sent again through the other replica is all duplicates);
//   - pages through HAProxy: a viewer signs in once and both replicas serve /fleet to that cookie;
//   - a reload requested by an operator and approved by an approver through the server actions
//     (through HAProxy) is dispatched to a local webhook receiver in two stages (canary, rest),
//     each stage delivered exactly once although both replicas run the worker;
//   - a token revoked through one replica is refused by it at once and by the other within
//     INGEST_TOKEN_CACHE_SECONDS (README), and by neither afterwards;
//   - a signed-out session cookie is refused by both replicas at once (README: "on every replica").
// Prints `replicas: N passed, N failed` and exits non-zero on any failure. Leaves nothing behind.
//
// Run with lib/ importable as the server imports it:
//   tsx --conditions=react-server --import ./scripts/rsc-loader.mjs tests/replicas/run.ts
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort, serverAuthEnv, stopProcessGroup, waitUntilAnswering } from "@/scripts/next-server";
import { mergeCookies, sessionOf, signInWithPassword } from "../support/auth-client";
import { checkRun } from "../support/check-run";
import { actionsIn, callAction, formOf, reloadRequestFields } from "../support/server-actions";
import { App } from "../faults/app";
import { createMigratedDatabase, dropDatabase, localServerUrl, withClient } from "../faults/postgres";

const TOKEN = `rs_replicas_${randomBytes(12).toString("hex")}`;
const PASSWORD = randomBytes(15).toString("base64url");
/** Short, so the test waits seconds; the rule under test is "within INGEST_TOKEN_CACHE_SECONDS", whatever its value. */
const TOKEN_CACHE_SECONDS = 3;
/** What a request to a replica adds on top of the cache time before its answer is known. */
const SLACK_MS = 1_500;
const SERVICE = { environment: "replicas", namespace: "payments", service: "checkout" };
const PODS = ["checkout-pod-1", "checkout-pod-2", "checkout-pod-3", "checkout-pod-4"];
const TARGET_SECRET = `whsec-${randomBytes(12).toString("hex")}`;

const run = checkRun("replicas");
const { check, log } = run;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const databaseName = `reloadscope_replicas_${process.pid}_${Date.now().toString(36)}`;
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "reloadscope-replicas-"));
let serverUrl: URL | null = null;
let databaseCreated = false;
const replicas: App[] = [];
let haproxy: ChildProcess | null = null;
let receiver: http.Server | null = null;
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    if (haproxy) await stopProcessGroup(haproxy, "SIGTERM", 5_000).catch(() => {});
    for (const app of replicas) await app.kill("SIGTERM").catch(() => {});
    receiver?.closeAllConnections();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    const { disconnectDb } = await import("@/lib/db/client");
    await disconnectDb().catch(() => {});
    if (databaseCreated && serverUrl) {
      await run.checkDone(`test database ${databaseName} dropped`, dropDatabase(serverUrl, databaseName));
    }
  })();
  return cleaning;
}

/** The replicas' logs stay for a failed run and are removed after a good one. */
function keepLogsIfFailed(failed: boolean): void {
  if (failed) console.log(`logs: ${logDir}`);
  else fs.rmSync(logDir, { recursive: true, force: true });
}

run.finishOnSignals(cleanup, keepLogsIfFailed);

// ——— HAProxy ———————————————————————————————————————————————————————————————

function haproxyBinary(): string | null {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const file = path.join(dir, "haproxy");
    if (fs.existsSync(file)) return file;
  }
  return null;
}

async function startHaproxy(binary: string, port: number, backends: { name: string; port: number }[]): Promise<void> {
  const config = path.join(logDir, "haproxy.cfg");
  fs.writeFileSync(
    config,
    [
      "global",
      "  maxconn 512",
      "defaults",
      "  mode http",
      "  timeout connect 5s",
      "  timeout client 120s",
      "  timeout server 120s",
      "frontend replicas_in",
      `  bind 127.0.0.1:${port}`,
      "  default_backend replicas",
      "backend replicas",
      "  balance roundrobin",
      // Which replica answered, so the test can tell that both serve.
      "  http-response set-header X-Replica %s",
      ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check inter 1s`),
      "",
    ].join("\n"),
  );
  const out = fs.openSync(path.join(logDir, "haproxy.log"), "a");
  haproxy = spawn(binary, ["-f", config, "-db"], { detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  const base = `http://127.0.0.1:${port}`;
  // Up when both replicas have answered through it (their health checks passed).
  const seen = new Set<string>();
  const deadline = Date.now() + 30_000;
  while (seen.size < backends.length) {
    if (haproxy.exitCode !== null)
      throw new Error(
        `haproxy exited (${haproxy.exitCode}): ${fs.readFileSync(path.join(logDir, "haproxy.log"), "utf8")}`,
      );
    if (Date.now() > deadline)
      throw new Error(`haproxy did not reach both replicas within 30 s (seen: ${[...seen].join(", ") || "none"})`);
    const replica = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2_000) })
      .then(async (r) => (await r.arrayBuffer(), r.ok ? r.headers.get("x-replica") : null))
      .catch(() => null);
    if (replica) seen.add(replica);
    else await sleep(200);
  }
}

// ——— HTTP helpers ———————————————————————————————————————————————————————————

interface Answer {
  status: number;
  replica: string | null;
  body: string;
  location: string | null;
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: "manual", ...init });
  return {
    status: response.status,
    replica: response.headers.get("x-replica"),
    body: await response.text(),
    location: response.headers.get("location"),
  };
}

const ingest = (base: string, token: string, events: unknown[]) =>
  send(`${base}/api/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(events),
  });

let counter = 0;
const eventId = () => `rep-${process.pid}-${++counter}`;
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/** A reload of every pod to `to`, acked by all: its events, oldest first. */
function ackedReload(reloadId: string, from: string, to: string, secondsAgo: number): Record<string, unknown>[] {
  const base = {
    ...SERVICE,
    kind: "config",
    resource: "routes.yaml",
    reloadId,
    fromVersion: from,
    toVersion: to,
    initiator: "pipeline:replicas",
  };
  return [
    { ...base, id: eventId(), phase: "requested", occurredAt: ago(secondsAgo) },
    { ...base, id: eventId(), phase: "dispatched", targets: PODS, occurredAt: ago(secondsAgo - 1) },
    ...PODS.flatMap((instance, i) => [
      { ...base, id: eventId(), instance, phase: "applied", occurredAt: ago(secondsAgo - 2 - i) },
      { ...base, id: eventId(), instance, phase: "acked", occurredAt: ago(secondsAgo - 2 - i) },
    ]),
  ];
}

async function signOut(base: string, cookie: string): Promise<number> {
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = mergeCookies(cookie, csrf);
  const response = await fetch(`${base}/api/auth/signout`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${base}/sign-in` }),
    redirect: "manual",
  });
  await response.arrayBuffer();
  return response.status;
}

// ——— the webhook receiver: a service that counts deliveries and reports its phases ———

interface Delivery {
  id: string;
  stage: string;
  instances: string[];
}

async function startReceiver(
  report: (body: {
    reloadId: string;
    toVersion: string;
    fromVersion: string | null;
    instances: string[];
  }) => Promise<void>,
): Promise<{ url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        deliveryId: string;
        reloadId: string;
        toVersion: string;
        fromVersion: string | null;
        scope: { stage: string; instances: string[] };
      };
      deliveries.push({
        id: String(req.headers["x-reloadscope-delivery"] ?? body.deliveryId),
        stage: body.scope.stage,
        instances: body.scope.instances,
      });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      // As a service does: after answering, its instances report the reload through ingest.
      void report({
        reloadId: body.reloadId,
        toVersion: body.toVersion,
        fromVersion: body.fromVersion,
        instances: body.scope.instances,
      }).catch((error) => log(`receiver: reporting failed: ${(error as Error).message}`));
    });
  });
  await new Promise<void>((r) => receiver!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/reload`, deliveries };
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

// ——— the run ————————————————————————————————————————————————————————————————

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    check("the app is built", false, "no .next/BUILD_ID: run `npm run build` (or `npm test`, which builds first)");
    return;
  }
  const binary = haproxyBinary();
  if (!binary) {
    check("haproxy is installed", false, "no haproxy on PATH: apt-get install haproxy (.ci/run does)");
    return;
  }
  serverUrl = localServerUrl(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  const dbUrl = await createMigratedDatabase(serverUrl, databaseName);
  databaseCreated = true;
  const dbHandle = new URL(dbUrl);
  // This process runs with tsx's loader and the react-server condition; the replicas must not.
  delete process.env.NODE_OPTIONS;

  const proxyPort = await freePort();
  const base = `http://127.0.0.1:${proxyPort}`;
  // Both replicas sign and seal with the same keys, and build next-auth's redirects from the
  // address people use: HAProxy's.
  serverAuthEnv(base);
  Object.assign(process.env, {
    DATABASE_URL: dbUrl,
    DATABASE_POOL_SIZE: "4",
    INGEST_TOKEN_CACHE_SECONDS: String(TOKEN_CACHE_SECONDS),
    HOST: "127.0.0.1",
    WORKER_ENABLED: "1",
    CANARY_CHECK_MS: "500",
    DISPATCH_RETRY_BASE_MS: "200",
  });
  const { resetEnvCache } = await import("@/lib/env");
  resetEnvCache();
  const { createLocalUser } = await import("@/lib/auth/users");
  const { createIngestToken } = await import("@/lib/api/token-admin");
  const { sealSecret } = await import("@/lib/crypto/secret-box");
  for (const role of ["viewer", "operator", "approver", "admin"] as const)
    await createLocalUser({ username: `rep-${role}`, password: PASSWORD, role });

  for (const name of ["a", "b"]) {
    const app = new App({
      port: await freePort(),
      databaseUrl: dbUrl,
      ingestToken: TOKEN,
      logFile: path.join(logDir, `replica-${name}.log`),
    });
    replicas.push(app);
  }
  await Promise.all(replicas.map((app) => app.start(120_000)));
  const [a, b] = replicas as [App, App];
  await startHaproxy(binary, proxyPort, [
    { name: "a", port: Number(new URL(a.baseUrl).port) },
    { name: "b", port: Number(new URL(b.baseUrl).port) },
  ]);
  log(`replicas a ${a.baseUrl}, b ${b.baseUrl}; HAProxy ${base}; database ${databaseName}; logs ${logDir}`);

  // 1. Ingest through HAProxy: both replicas take batches; every event stored once.
  const batches = Array.from({ length: 8 }, (_, i) =>
    ackedReload(`rl-rep-${process.pid}-${i}`, `v${i}`, `v${i + 1}`, 600 - i * 30),
  );
  const answered = new Map<string, number>();
  let accepted = 0;
  for (const events of batches) {
    const answer = await ingest(base, TOKEN, events);
    if (answer.status === 200) accepted += (JSON.parse(answer.body) as { accepted: number }).accepted;
    answered.set(answer.replica ?? "?", (answered.get(answer.replica ?? "?") ?? 0) + 1);
  }
  const sent = batches.reduce((n, e) => n + e.length, 0);
  check("ingest through HAProxy: every event accepted", accepted === sent, `${accepted} of ${sent}`);
  check(
    "ingest through HAProxy: both replicas took batches",
    (answered.get("a") ?? 0) > 0 && (answered.get("b") ?? 0) > 0,
    JSON.stringify(Object.fromEntries(answered)),
  );
  const again = await ingest(b.baseUrl, TOKEN, batches[0]!);
  const againBody = JSON.parse(again.body) as { accepted: number; duplicates: number };
  const againA = await ingest(a.baseUrl, TOKEN, batches[1]!);
  const againABody = JSON.parse(againA.body) as { accepted: number; duplicates: number };
  check(
    "a batch sent again to each replica is all duplicates",
    again.status === 200 &&
      againBody.duplicates === batches[0]!.length &&
      againBody.accepted === 0 &&
      againABody.duplicates === batches[1]!.length &&
      againABody.accepted === 0,
    `b: ${again.body.slice(0, 200)}; a: ${againA.body.slice(0, 200)}`,
  );
  const stored = await withClient(dbHandle, async (c) =>
    Number(
      (await c.query(`SELECT count(*) AS n FROM reload_event WHERE id LIKE $1`, [`rep-${process.pid}-%`])).rows[0].n,
    ),
  );
  check("every event stored exactly once", stored === sent, `${stored} rows for ${sent} events`);

  // 2. Pages through HAProxy, one sign-in, both replicas.
  const viewer = await signInWithPassword(base, "rep-viewer", PASSWORD);
  const pages: Answer[] = [];
  for (let i = 0; i < 6; i++) pages.push(await send(`${base}/fleet`, { headers: { cookie: viewer } }));
  check(
    "GET /fleet through HAProxy: 200 with the fleet, from both replicas",
    pages.every((p) => p.status === 200 && p.body.includes(SERVICE.service)) &&
      new Set(pages.map((p) => p.replica)).size === 2,
    pages.map((p) => `${p.replica}: ${p.status}`).join(", "),
  );

  // 3. Dispatch: each stage delivered once with both replicas' workers running.
  const serviceId = await withClient(dbHandle, async (c) =>
    Number((await c.query(`SELECT id FROM service WHERE name = $1`, [SERVICE.service])).rows[0].id),
  );
  const target = await startReceiver(async ({ reloadId, toVersion, fromVersion, instances }) => {
    const common = {
      ...SERVICE,
      kind: "config",
      resource: "routes.yaml",
      reloadId,
      toVersion,
      fromVersion: fromVersion ?? undefined,
    };
    const events = instances.flatMap((instance) => [
      { ...common, instance, id: eventId(), phase: "received", occurredAt: new Date().toISOString() },
      { ...common, instance, id: eventId(), phase: "applied", occurredAt: new Date().toISOString() },
      { ...common, instance, id: eventId(), phase: "acked", occurredAt: new Date().toISOString() },
    ]);
    const answer = await ingest(base, TOKEN, events);
    if (answer.status !== 200) log(`receiver: ingest answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  });
  await withClient(dbHandle, (c) =>
    c.query(`INSERT INTO reload_target (service_id, url, secret_ciphertext) VALUES ($1, $2, $3)`, [
      serviceId,
      target.url,
      sealSecret(TARGET_SECRET),
    ]),
  );
  const operator = await signInWithPassword(base, "rep-operator", PASSWORD);
  const approver = await signInWithPassword(base, "rep-approver", PASSWORD);
  const toVersion = `v-rep-${Date.now().toString(36)}`;
  const made = await callAction<{ requestId: string }>({
    baseUrl: base,
    page: `/services/${serviceId}`,
    cookie: operator,
    file: "lib/requests/actions/request-reload.ts",
    exportedName: "requestReloadFromForm",
    args: [null, formOf(reloadRequestFields(serviceId, toVersion, "replicas: one delivery per stage"))],
  });
  if (!check("an operator's reload request through HAProxy is made", made.ok, JSON.stringify(made))) return;
  const requestId = made.ok ? made.data.requestId : "";
  const approved = await callAction({
    baseUrl: base,
    page: "/approvals",
    cookie: approver,
    file: "lib/approvals/actions/approve-request.ts",
    exportedName: "approveRequest",
    args: [{ requestId, comment: "replicas test" }],
  });
  if (!check("an approver's approval through HAProxy is taken", approved.ok, JSON.stringify(approved))) return;
  const reloadStatus = () =>
    withClient(dbHandle, async (c) => {
      const row = (
        await c.query<{ status: string }>(
          `SELECT r.status FROM reload r JOIN reload_request q ON q.reload_id = r.reload_id AND q.service_id = r.service_id WHERE q.id = $1`,
          [requestId],
        )
      ).rows[0];
      return row?.status ?? null;
    });
  const finalStatus = await until("the requested reload succeeds", 90_000, async () => {
    const status = await reloadStatus();
    return status && !["pending_approval", "approved", "dispatching", "in_progress"].includes(status) ? status : null;
  }).catch((error: Error) => error.message);
  check(
    "the requested reload succeeded (canary acked, then the rest)",
    finalStatus === "succeeded",
    `status ${finalStatus}; deliveries ${JSON.stringify(target.deliveries)}`,
  );
  // A duplicate would come from the other replica's worker claiming the same job, or from a
  // retry: both happen within a few worker polls (DISPATCH_RETRY_BASE_MS=200, CANARY_CHECK_MS=500).
  await sleep(5_000);
  const perId = new Map<string, number>();
  for (const d of target.deliveries) perId.set(d.id, (perId.get(d.id) ?? 0) + 1);
  const stages = target.deliveries.map((d) => d.stage).sort();
  check(
    "each dispatch stage delivered exactly once (canary, rest), both replicas running the worker",
    perId.size === 2 && [...perId.values()].every((n) => n === 1) && stages.join(",") === "canary,rest",
    `deliveries per id: ${JSON.stringify(Object.fromEntries(perId))}; stages ${stages.join(", ")}`,
  );
  const covered = target.deliveries.flatMap((d) => d.instances).sort();
  check("the two stages cover every pod once", covered.join(",") === [...PODS].sort().join(","), covered.join(", "));

  // 4. A token revoked through replica a: a refuses it at once, b within INGEST_TOKEN_CACHE_SECONDS.
  const { id: tokenId, token } = await createIngestToken("replicas test token", ["ingest"]);
  const heartbeat = () => [
    {
      ...SERVICE,
      instance: PODS[0],
      kind: "config",
      resource: "routes.yaml",
      phase: "heartbeat",
      toVersion,
      id: eventId(),
      occurredAt: new Date().toISOString(),
    },
  ];
  for (const app of replicas) {
    const answer = await ingest(app.baseUrl, token, heartbeat());
    check(
      `a new token works on replica ${app === a ? "a" : "b"} (and is cached there)`,
      answer.status === 200,
      `${answer.status} ${answer.body.slice(0, 200)}`,
    );
  }
  const admin = await signInWithPassword(a.baseUrl, "rep-admin", PASSWORD);
  const revokeName = actionsIn("lib/admin/actions/revoke-token.ts").includes("revokeTokenForm")
    ? "revokeTokenForm"
    : "revokeToken";
  const revoked = await callAction({
    baseUrl: a.baseUrl,
    page: "/admin/tokens",
    cookie: admin,
    file: "lib/admin/actions/revoke-token.ts",
    exportedName: revokeName,
    args: revokeName.endsWith("Form") ? [null, formOf({ tokenId })] : [{ tokenId }],
  });
  const revokedAt = Date.now();
  if (!check("an admin revokes the token through replica a", revoked.ok, JSON.stringify(revoked))) return;
  const refusedByA = await ingest(a.baseUrl, token, heartbeat());
  check(
    "replica a (which served the revocation) refuses the token at once",
    refusedByA.status === 401,
    `${refusedByA.status} ${refusedByA.body.slice(0, 200)}`,
  );
  const limitMs = TOKEN_CACHE_SECONDS * 1000 + SLACK_MS;
  const refusedByB = await until("replica b refuses the revoked token", limitMs + 5_000, async () => {
    const answer = await ingest(b.baseUrl, token, heartbeat());
    return answer.status === 401 ? Date.now() - revokedAt : null;
  }).catch(() => Infinity);
  check(
    `replica b refuses the token within INGEST_TOKEN_CACHE_SECONDS=${TOKEN_CACHE_SECONDS} s`,
    refusedByB <= limitMs,
    `after ${refusedByB} ms`,
  );
  const later = await Promise.all([
    ingest(a.baseUrl, token, heartbeat()),
    ingest(b.baseUrl, token, heartbeat()),
    ingest(base, token, heartbeat()),
    ingest(base, token, heartbeat()),
  ]);
  check(
    "after that, neither replica accepts it (directly or through HAProxy)",
    later.every((x) => x.status === 401),
    later.map((x) => `${x.replica ?? "direct"}: ${x.status}`).join(", "),
  );

  // 5. A signed-out session: refused by both replicas at once.
  const session = await signInWithPassword(base, "rep-viewer", PASSWORD);
  const before = await Promise.all(
    replicas.map((app) => send(`${app.baseUrl}/fleet`, { headers: { cookie: session } })),
  );
  check(
    "a session cookie is a session on both replicas",
    before.every((p) => p.status === 200),
    before.map((p) => p.status).join(", "),
  );
  const signedOut = await signOut(base, session);
  const after = await Promise.all(
    replicas.map((app) => send(`${app.baseUrl}/fleet`, { headers: { cookie: session } })),
  );
  const sessions = await Promise.all(replicas.map((app) => sessionOf(app.baseUrl, session)));
  check(
    "after sign-out (through HAProxy) the cookie is refused by both replicas at once",
    after.every((p) => p.status >= 300 && p.status < 400 && (p.location ?? "").includes("/sign-in")) &&
      sessions.every((s) => !s.user),
    `sign-out ${signedOut}; /fleet ${after.map((p) => `${p.status} → ${p.location}`).join(", ")}; sessions ${JSON.stringify(sessions)}`,
  );
}

const started = Date.now();
main()
  .then(
    () => 0,
    (error: Error) => {
      check("the run completed", false, error.stack ?? error.message);
      for (const app of replicas) console.error(app.logTail(20));
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    log(`took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    run.finish(code, keepLogsIfFailed);
  });
