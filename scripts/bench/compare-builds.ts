// Two builds of the app against copies of one filled database, taking turns: GET /fleet (signed
// in, whole HTML) and GET /api/metrics (the loopback operator), with the server's CPU per
// request. For "did a change make the pages slower?" on a shared machine, where two full
// `npm run bench` runs minutes apart differ by more than a change does: both builds run in
// every round, in alternating order, on identical data. Not part of `npm run bench`; run:
//   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
//   PROFILE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/reloadscope_pm PROFILE_FILL=400000 \
//     npx tsx --conditions=react-server --import ./scripts/rsc-loader.mjs scripts/bench/profile-metrics.ts
//   COMPARE_BEFORE=/tmp/before COMPARE_TEMPLATE=reloadscope_pm \
//     npx tsx --conditions=react-server --import ./scripts/rsc-loader.mjs scripts/bench/compare-builds.ts
// Settings: COMPARE_AFTER (default: this checkout, built), COMPARE_ROUNDS (4), DATABASE server
// postgresql://postgres@127.0.0.1:5432. Background alert evaluation and the job worker are off
// in both servers, so the figures are the requests' own.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { createLocalUser } from "@/lib/auth/users";
import { disconnectDb } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { signInWithPassword } from "@/tests/support/auth-client";
import { summarize } from "./format";

const SERVER = "postgresql://postgres@127.0.0.1:5432";
const builds = { before: process.env.COMPARE_BEFORE ?? "", after: process.env.COMPARE_AFTER ?? process.cwd() };
const template = process.env.COMPARE_TEMPLATE ?? "";
const rounds = Number(process.env.COMPARE_ROUNDS ?? 4);
const PAGE_RUNS = 30;
const SCRAPES = 15;
const secret = randomBytes(32).toString("base64");

type Build = keyof typeof builds;
interface Figures {
  fleet: number[];
  metrics: number[];
  fleetCpuS: number;
  metricsCpuS: number;
}

/** CPU seconds (user + system) of a process and all its descendants, from /proc. */
function treeCpuS(root: number): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended while we read
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid);
  return tree.reduce((sum, pid) => sum + (ticks.get(pid) ?? 0), 0) / 100;
}

async function start(dir: string, url: string, port: number): Promise<ChildProcess> {
  if (!fs.existsSync(path.join(dir, ".next", "BUILD_ID"))) throw new Error(`${dir} is not built (npm run build there)`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: "10",
    HOST: "127.0.0.1",
    PORT: String(port),
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    NEXTAUTH_SECRET: secret,
    SECRETS_KEY: secret,
    ALERT_EVAL_INTERVAL_SECONDS: "0",
    WORKER_ENABLED: "0",
  };
  delete env.NODE_OPTIONS;
  delete env.METRICS_TOKEN;
  const next = path.join(dir, "node_modules", ".bin", "next");
  const child = spawn(next, ["start", "-p", String(port), "-H", "127.0.0.1"], { cwd: dir, env, detached: true });
  child.stdout?.resume();
  child.stderr?.resume();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  process.kill(-child.pid!, "SIGTERM");
  throw new Error(`${dir}: next start did not answer /api/health within 60 s`);
}

/** One GET, whole body read; a keep-alive socket the server closed meanwhile is tried once more. */
async function timedGet(url: string, headers: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(url, { headers }).catch(() => fetch(url, { headers }));
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return performance.now() - t0;
}

async function measure(build: Build, round: number, admin: pg.Client, figures: Figures): Promise<void> {
  const name = `reloadscope_compare_${build}_${round}_${process.pid}`;
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  const url = `${SERVER}/${name}`;
  let child: ChildProcess | null = null;
  try {
    process.env.DATABASE_URL = url;
    resetEnvCache();
    const password = randomBytes(12).toString("base64url");
    await createLocalUser({ username: "compare-viewer", password, role: "viewer", displayName: "compare" });
    await disconnectDb();
    const port = 41_000 + 2 * round + (build === "after" ? 1 : 0);
    child = await start(builds[build], url, port);
    const base = `http://127.0.0.1:${port}`;
    const page = { cookie: await signInWithPassword(base, "compare-viewer", password), accept: "text/html" };
    for (let i = 0; i < 5; i++) await timedGet(`${base}/fleet`, page);
    let cpu0 = treeCpuS(child.pid!);
    for (let i = 0; i < PAGE_RUNS; i++) figures.fleet.push(await timedGet(`${base}/fleet`, page));
    figures.fleetCpuS += treeCpuS(child.pid!) - cpu0;
    for (let i = 0; i < 3; i++) await timedGet(`${base}/api/metrics`, {});
    cpu0 = treeCpuS(child.pid!);
    for (let i = 0; i < SCRAPES; i++) figures.metrics.push(await timedGet(`${base}/api/metrics`, {}));
    figures.metricsCpuS += treeCpuS(child.pid!) - cpu0;
    console.log(`round ${round + 1} ${build}: done`);
  } finally {
    if (child) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
    await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
  }
}

async function main(): Promise<void> {
  if (!builds.before || !template) throw new Error("set COMPARE_BEFORE (a built checkout) and COMPARE_TEMPLATE");
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  admin.on("error", () => {});
  await admin.connect();
  const results: Record<Build, Figures> = {
    before: { fleet: [], metrics: [], fleetCpuS: 0, metricsCpuS: 0 },
    after: { fleet: [], metrics: [], fleetCpuS: 0, metricsCpuS: 0 },
  };
  try {
    for (let round = 0; round < rounds; round++) {
      const order: Build[] = round % 2 === 0 ? ["before", "after"] : ["after", "before"];
      for (const build of order) await measure(build, round, admin, results[build]);
    }
  } finally {
    await admin.end();
  }
  const ms = (xs: number[], p: 50 | 95) => (p === 50 ? summarize(xs).p50 : summarize(xs).p95).toFixed(0);
  for (const build of ["before", "after"] as const) {
    const r = results[build];
    console.log(
      `${build} (${builds[build]}): GET /fleet p50 ${ms(r.fleet, 50)} / p95 ${ms(r.fleet, 95)} ms, ` +
        `app ${((1000 * r.fleetCpuS) / r.fleet.length).toFixed(0)} CPU-ms a page; ` +
        `GET /api/metrics p50 ${ms(r.metrics, 50)} / p95 ${ms(r.metrics, 95)} ms, ` +
        `app ${((1000 * r.metricsCpuS) / r.metrics.length).toFixed(0)} CPU-ms a scrape`,
    );
  }
}

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
