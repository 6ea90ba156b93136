// The demo fleet's simulated reload endpoint: a signed dispatch webhook in, 202 out at once,
// then received … acked (or a NACK) per instance through the ingest path, in the
// delivery's trace. Exists only where the demo fleet does (embedded, or DEMO_FLEET=1).
import { after } from "next/server";
import { openSecret } from "@/lib/crypto/secret-box";
import { sql } from "@/lib/db/client";
import { demoTargetsActive } from "@/lib/demo/demo-targets";
import { reportSimulatedReload, simulatedEvents } from "@/lib/demo/simulated-target";
import { verifyDelivery } from "@/lib/dispatch/signature";
import { DELIVERY_HEADER, parseTraceparent, SIGNATURE_HEADER, type WebhookBody } from "@/lib/dispatch/webhook";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 1024 * 1024;

function answer(status: number, body: Record<string, unknown>): Response {
  return Response.json(body, { status });
}

export async function POST(request: Request): Promise<Response> {
  if (!demoTargetsActive())
    return answer(404, { error: "not_found", message: "the simulated reload endpoint runs only with the demo fleet" });
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    return answer(413, { error: "too_large", message: "the body is over 1 MiB" });
  let body: WebhookBody;
  try {
    body = JSON.parse(text) as WebhookBody;
  } catch {
    return answer(400, { error: "invalid_json", message: "the body is not JSON" });
  }
  const problem = bodyProblem(body);
  if (problem) return answer(400, { error: "invalid_body", message: problem });
  const [target] = await sql().query<{ secret_ciphertext: string }[]>(
    `SELECT t.secret_ciphertext FROM reload_target t JOIN service s ON s.id = t.service_id
     WHERE s.environment = $1 AND s.namespace = $2 AND s.name = $3`,
    body.service.environment,
    body.service.namespace,
    body.service.name,
  );
  let secret: string | null = null;
  try {
    secret = target ? openSecret(target.secret_ciphertext) : null;
  } catch {
    secret = null;
  }
  // As a real receiver does (README "Receiving reload requests"): signed with this service's
  // secret, within 5 minutes, and the delivery id the one signed in the body.
  const verified = secret
    ? verifyDelivery({
        body: text,
        signature: request.headers.get(SIGNATURE_HEADER),
        delivery: request.headers.get(DELIVERY_HEADER),
        secret,
      })
    : { ok: false as const, reason: "this service has no reload target secret" };
  if (!verified.ok) {
    return answer(401, { error: "bad_signature", message: `X-Reloadscope-Signature refused: ${verified.reason}` });
  }
  const trace = parseTraceparent(request.headers.get("traceparent"));
  const instances = simulatedEvents(body, trace, new Date(), env().DEMO_NACK_RATE);
  const report = async () => {
    try {
      await reportSimulatedReload(instances);
    } catch (error) {
      console.error(`[demo] simulated reload ${body.reloadId} stopped:`, (error as Error).message);
    }
  };
  // After the answer, as a service acks a webhook first and reloads after; outside a Next
  // request scope (tests call the handler directly) it simply runs on.
  try {
    after(report);
  } catch {
    void report();
  }
  return answer(202, { accepted: true, instances: instances.length });
}

function bodyProblem(body: WebhookBody): string | null {
  if (!body || typeof body !== "object") return "the body must be a JSON object";
  if (typeof body.reloadId !== "string" || !body.reloadId) return "reloadId: is required";
  const s = body.service;
  if (!s || typeof s.environment !== "string" || typeof s.namespace !== "string" || typeof s.name !== "string")
    return "service: needs environment, namespace and name";
  if (typeof body.kind !== "string" || typeof body.resource !== "string" || typeof body.toVersion !== "string")
    return "kind, resource and toVersion: are required";
  if (!body.scope || !Array.isArray(body.scope.instances) || !body.scope.instances.every((i) => typeof i === "string"))
    return "scope.instances: must be a list of instance names";
  return null;
}
