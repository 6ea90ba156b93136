// Keeps the embedded demo alive: every demo instance keeps reporting the version it runs,
// as a real fleet's heartbeats would. Pure: scripts/start.ts sends these to the app's own
// ingest endpoint, the path a real service uses.
import { demoFleetEvents } from "./demo-fleet";

type WireEvent = Record<string, unknown>;

/** The last heartbeat of every demo instance × resource in the demo history. */
export function demoFinalHeartbeats(): WireEvent[] {
  const last = new Map<string, WireEvent>();
  for (const e of demoFleetEvents({ now: new Date() })) {
    if (e.phase !== "heartbeat") continue;
    last.set([e.environment, e.namespace, e.service, e.instance, e.kind, e.resource].join("\u0000"), e);
  }
  return [...last.values()];
}

/** Heartbeats for one tick: the same versions, a new id and time. */
export function demoHeartbeatTick(finals: WireEvent[], now: Date): WireEvent[] {
  const stamp = now.getTime().toString(36);
  return finals.map((e, i) => ({ ...e, id: `demo-hb-${stamp}-${i}`, occurredAt: now.toISOString() }));
}
