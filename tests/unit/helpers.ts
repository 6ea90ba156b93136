// Shared builders for the unit tests: plain objects, no I/O.
import { instancePhaseBucket, type InstanceBucket, type ReloadInstanceCounts } from "@/lib/domain/reload-status";
import type { VersionAggregate } from "@/lib/domain/matrix";
import type { Phase, ReloadEventInput } from "@/lib/domain/types";

export const T0 = Date.parse("2026-11-21T14:00:00.000Z");

/** A moment `seconds` after T0. */
export const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

let seq = 0;

/** A valid domain event; fields can be overridden. */
export function domainEvent(overrides: Partial<ReloadEventInput> & { phase: Phase }): ReloadEventInput {
  return {
    id: `ev-${++seq}`,
    reloadId: overrides.phase === "heartbeat" ? null : "rl-1",
    environment: "prod",
    namespace: "payments",
    service: "checkout-api",
    instance: "checkout-api-1",
    labels: {},
    kind: "config",
    resource: "routes.yaml",
    fromVersion: null,
    toVersion: null,
    initiator: null,
    occurredAt: at(0),
    durationMs: null,
    error: null,
    traceId: null,
    spanId: null,
    attributes: {},
    targets: null,
    targetCount: null,
    ...overrides,
  };
}

/** Revives the `at` / `*At` ISO strings of a JSON fixture row into Dates. */
export function reviveDates<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, v) =>
    typeof v === "string" &&
    (key === "occurredAt" || key.endsWith("At") || key === "since") &&
    /^\d{4}-\d\d-\d\dT/.test(v)
      ? new Date(v)
      : v,
  ) as T;
}

/** A deterministic shuffle, so a failure can be reproduced from its seed. */
export { shuffled } from "@/lib/random";

/**
 * The instance counts as the store derives them: each instance's latest bucketed phase.
 * `targets` (M of "N of M") defaults to the instances that reported, as when a reload has
 * no dispatched scope; it is never below them (reloadScope).
 */
export function countsOf(events: ReloadEventInput[], targets?: number): ReloadInstanceCounts {
  const latest = new Map<string, ReloadEventInput>();
  for (const e of events) {
    if (e.instance === null || instancePhaseBucket(e.phase) === null) continue;
    const prev = latest.get(e.instance);
    if (!prev || prev.occurredAt <= e.occurredAt) latest.set(e.instance, e);
  }
  const rows = [...latest.values()];
  const maxAt = (list: ReloadEventInput[]) =>
    list.length ? new Date(Math.max(...list.map((e) => e.occurredAt.getTime()))) : null;
  const inBucket = (b: InstanceBucket) => rows.filter((e) => instancePhaseBucket(e.phase) === b);
  return {
    targets: Math.max(targets ?? rows.length, rows.length),
    reporting: rows.length,
    succeeded: inBucket("succeeded").length,
    nacked: inBucket("nacked").length,
    failed: inBucket("failed").length,
    rolledBack: inBucket("rolledBack").length,
    inProgress: inBucket("inProgress").length,
    lastSucceededAt: maxAt(inBucket("succeeded")),
    lastFinishedAt: maxAt(rows.filter((e) => instancePhaseBucket(e.phase) !== "inProgress")),
  };
}

type AggregateFields = Partial<VersionAggregate> &
  Pick<VersionAggregate, "serviceId" | "kind" | "resource" | "version" | "instances">;

/** Builds a matrix's version aggregates as of `now`: moved an hour before, last heard a minute before, no problems. */
export function aggregatesAt(now: Date): (fields: AggregateFields) => VersionAggregate {
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  return (fields) => ({
    newestSince: ago(60),
    lastReportAt: ago(1),
    failed: 0,
    nacked: 0,
    inProgress: 0,
    rolledBack: 0,
    ...fields,
  });
}
