// The README's tour: screenshots of each person's job, taken in Chromium from the built app
// with the demo fleet, at 1440×900. Run after a build:
//
//   npx next build && npx tsx scripts/screenshots.ts          (embedded PGlite, in memory)
//   DATABASE_URL=postgresql://… npx tsx scripts/screenshots.ts   (a scratch database on that server, dropped after)
//   npx tsx scripts/screenshots.ts sre-failed-reloads.png       (only the images named)
//
// Writes docs/tour/*.png, each quantised to a palette so it stays under 300 KB.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import type { BrowserContext, Page } from "playwright-core";
import { disconnectDb } from "@/lib/db/client";
import { FAILED_STATUSES } from "@/lib/domain/types";
import { resetEnvCache } from "@/lib/env";
import { freePort, nextStartCommand, serverAuthEnv, stopProcessGroup, waitUntilAnswering } from "@/scripts/next-server";
import { prepareDatabase } from "@/scripts/prepare-db";
import { signInWithPassword } from "@/tests/support/auth-client";
import { addSessionCookies, launchBrowser } from "@/tests/support/browser";
import { firstAlert, firstLink, makePendingRequest } from "@/tests/support/demo-pages";
import { createTestDatabase } from "@/tests/support/test-database";

const OUT = path.join(process.cwd(), "docs", "tour");
const PASSWORD = "tour-demo-password-0001";
const TOKEN = "rs_tour_token_for_screenshots_000001";
const MAX_BYTES = 300_000;

async function main() {
  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID")))
    throw new Error("build the app first: npx next build");
  mkdirSync(OUT, { recursive: true });
  const database = await createTestDatabase("tour");
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    INGEST_TOKEN: TOKEN,
    DEMO_PASSWORD: PASSWORD,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_POOL_SIZE: database.embedded ? "1" : "5",
  });
  const authEnv = serverAuthEnv(baseUrl);
  resetEnvCache();
  await prepareDatabase({ databaseUrl: database.url, demoFleet: true, firstToken: false, log: () => {} });
  await disconnectDb();
  const logs: string[] = [];
  const [command, ...args] = nextStartCommand(port);
  const server = spawn(command!, args, {
    env: {
      ...process.env,
      ...authEnv,
      DATABASE_POOL_SIZE: database.embedded ? "1" : "10",
      NEXT_TELEMETRY_DISABLED: "1",
      DEMO_FLEET: "1",
      WORKER_ENABLED: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  server.stdout?.on("data", (d) => logs.push(String(d)));
  server.stderr?.on("data", (d) => logs.push(String(d)));
  const browser = await launchBrowser();
  try {
    await waitUntilAnswering(baseUrl, server, 60_000, () => logs.join(""));
    const cookies = {
      viewer: await signInWithPassword(baseUrl, "viewer", PASSWORD),
      operator: await signInWithPassword(baseUrl, "operator", PASSWORD),
      approver: await signInWithPassword(baseUrl, "approver", PASSWORD),
      admin: await signInWithPassword(baseUrl, "admin", PASSWORD),
    };
    const firstHref = (p: string, pattern: RegExp) => firstLink(baseUrl, cookies.admin, p, pattern);

    // The demo's alerts come from the worker's first passes; give them a moment to open.
    await firstAlert(baseUrl, cookies.admin);
    // auth-gateway: the demo's service with a failed policy reload across several instances.
    const failed = await firstHref("/reloads?status=failed,partially_failed&q=auth-gateway", /^\/reloads\/\d+$/).catch(
      () => firstHref("/reloads?status=failed", /^\/reloads\/\d+$/),
    );
    const service = await firstHref(failed, /^\/services\/\d+$/);
    const resource = await firstHref(service, /^\/services\/\d+\/resources\//);

    // A pending request for the approver: a one-approval policy on that service, then the operator asks.
    const [kind, name] = decodeURIComponent(resource).split("/").slice(-2) as [string, string];
    const requestId = await makePendingRequest({
      baseUrl,
      admin: cookies.admin,
      operator: cookies.operator,
      servicePage: service,
      kind,
      resource: name,
      toVersion: "2026.12.1",
      reason: "new routes for the checkout split",
    });

    const shots: { file: string; role: keyof typeof cookies; path: string; prepare?: (page: Page) => Promise<void> }[] =
      [
        { file: "sre-fleet.png", role: "viewer", path: "/fleet" },
        { file: "sre-behind.png", role: "viewer", path: `${service}?behind=1` },
        // What the fleet's "failed reloads" link opens: FAILED_STATUSES (expired is not one, docs/adr/0005).
        { file: "sre-failed-reloads.png", role: "viewer", path: `/reloads?status=${FAILED_STATUSES.join(",")}` },
        { file: "approver-decision.png", role: "approver", path: `/approvals/${requestId}` },
        { file: "responder-reload.png", role: "viewer", path: failed },
        { file: "responder-replay.png", role: "viewer", path: `/replay?reload=${failed.split("/")[2]}` },
        { file: "resource-story.png", role: "viewer", path: resource },
        { file: "operator-request.png", role: "operator", path: `${service}?request=rollback` },
      ];
    const only = process.argv.slice(2);
    const unknown = only.filter((file) => !shots.some((shot) => shot.file === file));
    if (unknown.length) throw new Error(`no such tour image: ${unknown.join(", ")}`);
    for (const shot of shots.filter((s) => only.length === 0 || only.includes(s.file))) {
      const context: BrowserContext = await browser.newContext({
        viewport: { width: 1440, height: 900 },
        colorScheme: "light",
      });
      await addSessionCookies(context, baseUrl, cookies[shot.role]);
      const page = await context.newPage();
      await page.goto(`${baseUrl}${shot.path}`, { waitUntil: "networkidle" });
      await shot.prepare?.(page);
      const png = await sharp(await page.screenshot({ type: "png" }))
        .png({ palette: true, quality: 90, compressionLevel: 9 })
        .toBuffer();
      if (png.length > MAX_BYTES) throw new Error(`${shot.file} is ${png.length} bytes, over ${MAX_BYTES}`);
      writeFileSync(path.join(OUT, shot.file), png);
      console.log(`${shot.file}  ${shot.path}  ${Math.round(png.length / 1024)} KB`);
      await context.close();
    }
  } finally {
    await browser.close();
    await stopProcessGroup(server, "SIGTERM", 10_000);
    await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
