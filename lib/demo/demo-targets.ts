import "server-only";
import { randomBytes } from "node:crypto";
import { sql } from "@/lib/db/client";
import { sealSecret } from "@/lib/crypto/secret-box";
import { env } from "@/lib/env";

// Demo services get a reload target: the app's own simulated endpoint
// (app/api/demo/reload-target), with a generated secret, so the request → approve → dispatch
// buttons work end to end on the first start. A target the demo made is pointed at the
// app's current address on every start (the port may change); one an admin set is kept.
// Only the services the demo fleet created (demo_service) get one: with DEMO_FLEET=1 on a
// real database, a real service without a target must fail at dispatch, not be "acked" by
// the simulation.

export const DEMO_TARGET_PATH = "/api/demo/reload-target";

/** Where the app reaches itself: PUBLIC_URL, else HOST:PORT (a wildcard host as loopback). */
export function appBaseUrl(): string {
  const settings = env();
  if (settings.PUBLIC_URL) return settings.PUBLIC_URL.replace(/\/+$/, "");
  const host = !settings.HOST || settings.HOST === "0.0.0.0" || settings.HOST === "::" ? "127.0.0.1" : settings.HOST;
  return `http://${host.includes(":") ? `[${host}]` : host}:${settings.PORT}`;
}

export function demoTargetsActive(): boolean {
  const settings = env();
  return settings.RELOADSCOPE_EMBEDDED === "1" || settings.DEMO_FLEET === "1";
}

/** Adds the demo target to demo services without one; re-points demo targets at this address. Returns how many it added. */
export async function ensureDemoReloadTargets(baseUrl = appBaseUrl()): Promise<number> {
  const url = `${baseUrl}${DEMO_TARGET_PATH}`;
  const db = sql();
  await db.execute(
    `UPDATE reload_target SET url = $1, updated_at = CURRENT_TIMESTAMP WHERE url LIKE $2 AND url <> $1`,
    url,
    `%${DEMO_TARGET_PATH}`,
  );
  const missing = await db.query<{ id: number }[]>(
    `SELECT d.service_id AS id FROM demo_service d
     WHERE NOT EXISTS (SELECT 1 FROM reload_target t WHERE t.service_id = d.service_id) ORDER BY d.service_id`,
  );
  for (const { id } of missing) {
    await db.execute(
      `INSERT INTO reload_target (service_id, url, secret_ciphertext) VALUES ($1, $2, $3) ON CONFLICT (service_id) DO NOTHING`,
      id,
      url,
      sealSecret(randomBytes(32).toString("base64url")),
    );
  }
  return missing.length;
}
