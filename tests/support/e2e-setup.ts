// Serves the built app (`next start`) on a free port against a fresh test database filled
// with the demo fleet and the demo users (password E2E_DEMO_PASSWORD), for the browser tests.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { disconnectDb } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { freePort, nextStartCommand, serverAuthEnv, waitUntilAnswering } from "@/scripts/next-server";
import { prepareDatabase } from "@/scripts/prepare-db";
import { createTestDatabase, type TestDatabase } from "./test-database";

export const E2E_TOKEN = "rs_e2e_token_for_browser_tests_000001";
/** The demo users' (viewer, operator, approver, admin) password on the e2e server. */
export const E2E_DEMO_PASSWORD = "e2e-demo-password-0001";

let database: TestDatabase | undefined;
let server: ChildProcess | undefined;

export async function setup(project: TestProject) {
  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    throw new Error("the app is not built: run `npm test` (it builds first) or `npm run build`");
  }
  // The server databases are made on (before DATABASE_URL becomes the e2e one): tests that
  // start a server of their own (tests/e2e/sign-in-oidc.test.ts) make theirs there too.
  project.provide("databaseServerUrl", process.env.DATABASE_URL ?? "");
  database = await createTestDatabase("e2e");
  process.env.DATABASE_URL = database.url;
  process.env.INGEST_TOKEN = E2E_TOKEN;
  process.env.DEMO_PASSWORD = E2E_DEMO_PASSWORD;
  // The embedded PGlite is used through one connection at a time (see scripts/start.ts).
  process.env.DATABASE_POOL_SIZE = database.embedded ? "1" : "5";
  // The port before the database is prepared: the demo services' reload targets are made
  // then, pointing at HOST:PORT (lib/demo/demo-targets.ts), so dispatch reaches this server's
  // simulated endpoint. The secrets before it too: the targets' secrets are sealed with
  // SECRETS_KEY, which the server must share to open them.
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  process.env.PORT = String(port);
  process.env.HOST = "127.0.0.1";
  const authEnv = serverAuthEnv(baseUrl);
  resetEnvCache();
  const problems: string[] = [];
  await prepareDatabase({
    databaseUrl: database.url,
    demoFleet: true,
    firstToken: false,
    log: (line) => problems.push(line),
  });
  await disconnectDb();
  // prepareDatabase only logs a target it could not set up; without one no dispatch test can pass.
  const targetProblem = problems.find((line) => line.includes("reload targets not set up"));
  if (targetProblem) throw new Error(targetProblem);

  const logs: string[] = [];
  const [command, ...args] = nextStartCommand(port);
  server = spawn(command!, args, {
    env: {
      ...process.env,
      ...authEnv,
      DATABASE_POOL_SIZE: database.embedded ? "1" : "10",
      NEXT_TELEMETRY_DISABLED: "1",
      // The simulated reload endpoint answers (app/api/demo/reload-target), and every demo
      // instance acks, so a browser test's dispatch ends the same way on every run.
      DEMO_FLEET: "1",
      DEMO_NACK_RATE: "0",
      // /api/metrics is open on a loopback-only server without it; the route sweep
      // (tests/e2e/route-sweep.test.ts) asks every route as an outsider, so this one needs a token too.
      METRICS_TOKEN: "e2e-metrics-token-0000000001",
      // This process works the jobs (dispatch, control events); a canary is checked twice a
      // second and a failed delivery retried after 200 ms, so the flow takes seconds.
      WORKER_ENABLED: "1",
      CANARY_CHECK_MS: "500",
      DISPATCH_RETRY_BASE_MS: "200",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (d) => logs.push(String(d)));
  server.stderr?.on("data", (d) => logs.push(String(d)));
  await waitUntilAnswering(baseUrl, server, 60_000, () => logs.join(""));
  project.provide("baseUrl", baseUrl);
  project.provide("ingestToken", E2E_TOKEN);
  project.provide("demoPassword", E2E_DEMO_PASSWORD);
}

export async function teardown() {
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => server!.once("exit", r));
  }
  await database?.drop();
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    ingestToken: string;
    demoPassword: string;
    /** DATABASE_URL as the run began ("" = embedded PGlite) */
    databaseServerUrl: string;
  }
}
