// Events for the e2e tests, sent as an agent sends them: to the built app's POST /api/v1/events.
import { expect } from "vitest";

/** Posts `events` to the app at `baseUrl` with the ingest `token` and expects every one accepted. */
export async function ingestInto(baseUrl: string, token: string, events: Record<string, unknown>[]): Promise<void> {
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  const body = (await response.json()) as { rejected?: unknown[] };
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(body.rejected).toEqual([]);
}

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();

/**
 * A reload of routes.yaml to `to` on every pod of the service: requested `minutesAgo` minutes
 * ago, dispatched 5 s later, acked by each pod from 10 s on (a second apart). `id` names each event.
 */
export function ackedReload(r: {
  service: { environment: string; namespace: string; service: string };
  pods: string[];
  reloadId: string;
  from: string;
  to: string;
  minutesAgo: number;
  id: () => string;
}): Record<string, unknown>[] {
  const base = {
    ...r.service,
    kind: "config",
    resource: "routes.yaml",
    reloadId: r.reloadId,
    fromVersion: r.from,
    toVersion: r.to,
    initiator: "pipeline:e2e",
  };
  const t0 = r.minutesAgo * 60;
  return [
    { ...base, id: r.id(), phase: "requested", occurredAt: secondsAgo(t0) },
    { ...base, id: r.id(), phase: "dispatched", targets: r.pods, occurredAt: secondsAgo(t0 - 5) },
    ...r.pods.map((instance, i) => ({
      ...base,
      id: r.id(),
      instance,
      phase: "acked",
      occurredAt: secondsAgo(t0 - 10 - i),
    })),
  ];
}
