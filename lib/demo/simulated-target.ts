import "server-only";
import { createHash } from "node:crypto";
import type { ReloadEventInput } from "@/lib/domain/types";
import { RELOADSCOPE_WRITER, storeEvents } from "@/lib/ingest/store-events";
import { newSpanId, type WebhookBody } from "@/lib/dispatch/webhook";

// The demo fleet's reload endpoint, simulated (DESIGN.md "Dispatch"): for each instance of a
// delivered stage it reports received → parsed → validated → applied → acked through the
// ingest path, in the delivery's trace, with short gaps; now and then one instance refuses
// (NACK) with a realistic error that fits where it stopped and the resource's kind. Who
// refuses is a hash of reloadId + instance, so a demo run reproduces.

/** A number in [0, 1) from reloadId + instance: the same on every run and machine. */
export function nackDraw(reloadId: string, instance: string): number {
  return createHash("sha256").update(`${reloadId}\u0000${instance}`).digest().readUInt32BE(0) / 2 ** 32;
}

type StopAfter = "received" | "parsed" | "validated";

/**
 * What a refusing instance says, by where it stops and the resource's kind, so the reload's
 * diagnosis ("stopped after parsed") and the error it quotes agree: stopping after received
 * is a parse error, after parsed a schema or validation error, after validated an apply
 * error, each naming the resource. `pick` chooses among a kind's variants.
 */
export function simulatedNack(kind: string, resource: string, pick: number): { stopAfter: StopAfter; error: string } {
  const stops: StopAfter[] = ["received", "parsed", "validated"];
  const stopAfter = stops[Math.floor(pick * 3) % 3]!;
  const text = kind === "certificate" ? "certificate" : kind === "model" || kind === "data" ? "artifact" : "file";
  const errors: Record<StopAfter, Record<string, string>> = {
    received: {
      file: `parse error: ${resource} line 42: mapping values are not allowed in this context`,
      certificate: `parse error: ${resource}: PEM block is not a certificate`,
      artifact: `parse error: ${resource}: unexpected end of archive`,
    },
    parsed: {
      file:
        kind === "routes"
          ? `validation failed: ${resource}: upstream 'payments-v2' is not defined`
          : kind === "flags"
            ? `validation failed: ${resource}: flag 'checkout.new_flow' rollout 120% is out of range`
            : `schema mismatch: ${resource}: field 'timeout_ms' expects integer, got string`,
      certificate: `validation failed: ${resource}: certificate chain incomplete (intermediate missing)`,
      artifact: `validation failed: ${resource}: checksum sha256:9f2c… does not match the signed manifest`,
    },
    validated: {
      file: `apply failed: ${resource}: could not swap in the new version: resource busy`,
      certificate: `apply failed: listener :8443 could not load ${resource}: private key does not match the certificate`,
      artifact: `apply failed: ${resource}: out of memory loading the new version`,
    },
  };
  return { stopAfter, error: errors[stopAfter][text]! };
}

const STEPS_BEFORE: Record<StopAfter, ("received" | "parsed" | "validated")[]> = {
  received: ["received"],
  parsed: ["received", "parsed"],
  validated: ["received", "parsed", "validated"],
};

export interface SimulatedInstanceEvents {
  instance: string;
  nacked: boolean;
  events: ReloadEventInput[];
}

/**
 * The events an instance reports for one delivery, starting at `start`: gaps of tens to a
 * few hundred ms per step, decided by the same hash so a replay of the demo looks the same.
 */
export function simulatedEvents(
  body: WebhookBody,
  trace: { traceId: string } | null,
  start: Date,
  nackRate: number,
): SimulatedInstanceEvents[] {
  return body.scope.instances.map((instance, index) => {
    const draw = nackDraw(body.reloadId, instance);
    const nacked = draw < nackRate;
    const nack = nacked ? simulatedNack(body.kind, body.resource, nackDraw(body.reloadId, `${instance}#nack`)) : null;
    const steps: ("received" | "parsed" | "validated" | "applied" | "acked" | "nacked")[] = nack
      ? [...STEPS_BEFORE[nack.stopAfter], "nacked"]
      : ["received", "parsed", "validated", "applied", "acked"];
    let at = start.getTime() + 20 + index * 15;
    const events = steps.map((phase, step): ReloadEventInput => {
      const gap = 20 + Math.floor(nackDraw(body.reloadId, `${instance}#${step}`) * 180);
      at += gap;
      return {
        id: `demo-${body.reloadId}-${body.scope.stage}-${instance}-${phase}`,
        reloadId: body.reloadId,
        environment: body.service.environment,
        namespace: body.service.namespace,
        service: body.service.name,
        instance,
        labels: {},
        kind: body.kind,
        resource: body.resource,
        phase,
        fromVersion: body.fromVersion,
        toVersion: body.toVersion,
        initiator: null,
        occurredAt: new Date(at),
        durationMs: gap,
        error: phase === "nacked" ? nack!.error : null,
        traceId: trace?.traceId ?? null,
        spanId: trace ? newSpanId() : null,
        attributes: {},
        targets: null,
        targetCount: null,
      };
    });
    return { instance, nacked, events };
  });
}

/** Reports the events, each instance's as its times come (the demo shows them arrive). */
export async function reportSimulatedReload(instances: SimulatedInstanceEvents[]): Promise<void> {
  const all = instances.flatMap((i) => i.events).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  for (const event of all) {
    const wait = event.occurredAt.getTime() - Date.now();
    // Pacing for people watching the demo, not ordering: each event carries its own time.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await storeEvents([event], { writer: RELOADSCOPE_WRITER });
  }
}
