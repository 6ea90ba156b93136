// Serves the built app (`next start`) on a free port against a fresh test database filled
// with the demo fleet, for the browser tests.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { disconnectDb } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { freePort, nextStartCommand, waitUntilAnswering } from "@/scripts/next-server";
import { prepareDatabase } from "@/scripts/prepare-db";
import { createTestDatabase, type TestDatabase } from "./test-database";

export const E2E_TOKEN = "rs_e2e_token_for_browser_tests_000001";

let database: TestDatabase | undefined;
let server: ChildProcess | undefined;

export async function setup(project: TestProject) {
  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    throw new Error("the app is not built: run `npm test` (it builds first) or `npm run build`");
  }
  database = await createTestDatabase("e2e");
  process.env.DATABASE_URL = database.url;
  process.env.INGEST_TOKEN = E2E_TOKEN;
  // The embedded PGlite is used through one connection at a time (see scripts/start.ts).
  process.env.DATABASE_POOL_SIZE = database.embedded ? "1" : "5";
  resetEnvCache();
  await prepareDatabase({ databaseUrl: database.url, demoFleet: true, firstToken: false, log: () => {} });
  await disconnectDb();

  const port = await freePort();
  const logs: string[] = [];
  const [command, ...args] = nextStartCommand(port);
  server = spawn(command!, args, {
    env: { ...process.env, DATABASE_POOL_SIZE: database.embedded ? "1" : "10", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (d) => logs.push(String(d)));
  server.stderr?.on("data", (d) => logs.push(String(d)));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(baseUrl, server, 60_000, () => logs.join(""));
  project.provide("baseUrl", baseUrl);
  project.provide("ingestToken", E2E_TOKEN);
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
  }
}
