// Fixtures for dispatch tests: a fleet, people, an approved request bound to the fleet as it
// is (the change hash), a reload target, and a local webhook receiver that checks what
// Reloadscope signs and can answer like a service would.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sealSecret } from "@/lib/crypto/secret-box";
import { sql, transaction } from "@/lib/db/client";
import { changeHash, fromVersionOf, type RequestScope } from "@/lib/domain/change-hash";
import { verifyDelivery } from "@/lib/dispatch/signature";
import type { WebhookBody } from "@/lib/dispatch/webhook";
import { setEnv } from "./env-vars";

export const SERVICE = { environment: "prod", namespace: "payments", service: "checkout-api" };
export const TARGET_SECRET = "whsec-test-0123456789abcdef";

/**
 * A dispatch test file's environment, set as it loads: a fresh secrets key, retries 40 ms apart
 * (three attempts take well under a second; the schedule's shape is what is checked), a canary
 * checked after 100 ms, and `timeoutMs` for a POST to the target.
 */
export function setDispatchEnv(timeoutMs: number): void {
  setEnv({
    SECRETS_KEY: randomBytes(32).toString("base64"),
    DISPATCH_RETRY_BASE_MS: "40",
    CANARY_CHECK_MS: "100",
    DISPATCH_TIMEOUT_MS: String(timeoutMs),
  });
}

export async function seedUsers(): Promise<{ operator: number; approver: number }> {
  const rows = await sql().query<{ id: number; username: string }[]>(
    `INSERT INTO app_user (username, role) VALUES ('olga', 'operator'), ('abe', 'approver') RETURNING id, username`,
  );
  return {
    operator: rows.find((r) => r.username === "olga")!.id,
    approver: rows.find((r) => r.username === "abe")!.id,
  };
}

export async function serviceId(): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(`SELECT id FROM service WHERE name = $1`, SERVICE.service);
  return row!.id;
}

export async function setTarget(url: string): Promise<void> {
  await sql().execute(
    `INSERT INTO reload_target (service_id, url, secret_ciphertext) VALUES ($1, $2, $3)
     ON CONFLICT (service_id) DO UPDATE SET url = EXCLUDED.url, secret_ciphertext = EXCLUDED.secret_ciphertext`,
    await serviceId(),
    url,
    sealSecret(TARGET_SECRET),
  );
}

/**
 * The webhook body of the first (or only) stage of an approvedRequest() from v1 to v2 of the
 * service's routes.yaml to `instances`, as Reloadscope sends it and a reload target reads it.
 */
export function webhookBody(reloadId: string, instances: string[]): WebhookBody {
  return {
    deliveryId: `${reloadId}/all`,
    reloadId,
    service: { environment: SERVICE.environment, namespace: SERVICE.namespace, name: SERVICE.service },
    kind: "config",
    resource: "routes.yaml",
    fromVersion: "v1",
    toVersion: "v2",
    scope: { mode: "all", stage: "all", instances },
    requestedBy: "olga",
    approvedBy: ["abe"],
  };
}

let requestCounter = 0;

/** An approved request for `targets` (all live instances), bound to the fleet's current version. */
export async function approvedRequest(
  users: { operator: number; approver: number },
  options: { targets: string[]; canary?: string[]; from: string; to: string; scope?: RequestScope; resource?: string },
): Promise<{ id: string; reloadId: string }> {
  requestCounter++;
  const sid = await serviceId();
  const scope: RequestScope =
    options.scope ?? (options.canary?.length ? { mode: "canary", count: options.canary.length } : { mode: "all" });
  const from = fromVersionOf(
    null,
    options.targets.map(() => options.from),
  );
  const resource = options.resource ?? "routes.yaml";
  const hash = changeHash({
    serviceId: sid,
    kind: "config",
    resource,
    from,
    to: options.to,
    scope,
    targets: options.targets,
  });
  const reloadId = `rs-test-${process.pid}-${requestCounter}`;
  return transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }[]>(
      `INSERT INTO reload_request (reload_id, service_id, action, kind, resource, from_version, to_version, scope, targets, canary, reason,
                                   requested_by, expires_at, change_hash, required_approvals, status)
       VALUES ($1, $2, 'reload', 'config', $10, $3, $4, $5::jsonb, $6, $7, 'test', $8, now() + interval '1 hour', $9, 1, 'approved')
       RETURNING id::text`,
      reloadId,
      sid,
      from,
      options.to,
      JSON.stringify(scope),
      options.targets,
      options.canary ?? [],
      users.operator,
      hash,
      resource,
    );
    await tx.execute(
      `INSERT INTO approval (request_id, approver_id, decision, change_hash) VALUES ($1, $2, 'approved', $3)`,
      row!.id,
      users.approver,
      hash,
    );
    return { id: row!.id, reloadId };
  });
}

export interface Delivery {
  body: WebhookBody;
  raw: string;
  /** verified as a service would (lib/dispatch/signature.ts): t=…,v1=…, within 5 minutes, the header's delivery id signed in the body */
  signatureValid: boolean;
  traceparent: string | null;
  deliveryId: string | null;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

/**
 * Answers each delivery with `answer(n, body)` (n counts from 1): a status, and optionally
 * work to do after answering (reporting the instances' phases, as a service would).
 */
export async function startWebhookReceiver(
  answer: (n: number, body: WebhookBody) => { status: number; after?: () => Promise<void> },
): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  // The reports a delivery set off (a service's instances reporting their phases): close()
  // waits for them, so none is still writing when the next test empties the database.
  const reports = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const body = JSON.parse(raw) as WebhookBody;
      const verified = verifyDelivery({
        body: raw,
        signature: req.headers["x-reloadscope-signature"] as string | undefined,
        delivery: req.headers["x-reloadscope-delivery"] as string | undefined,
        secret: TARGET_SECRET,
      });
      const { status, after } = answer(deliveries.length + 1, body);
      deliveries.push({
        body,
        raw,
        signatureValid: verified.ok,
        traceparent: (req.headers["traceparent"] as string | undefined) ?? null,
        deliveryId: (req.headers["x-reloadscope-delivery"] as string | undefined) ?? null,
        status,
      });
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
      if (after) {
        const report = after().catch((error) => console.error("[receiver] report failed:", error));
        reports.add(report);
        void report.finally(() => reports.delete(report));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/reload`,
    deliveries,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...reports]);
    },
  };
}

/** Polls until `check` returns a value (a state reached in the database), or fails with `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function requestStatus(id: string): Promise<{ status: string; status_reason: string | null }> {
  const [row] = await sql().query<{ status: string; status_reason: string | null }[]>(
    `SELECT status, status_reason FROM reload_request WHERE id = $1`,
    id,
  );
  return row!;
}
