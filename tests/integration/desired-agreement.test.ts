// The desired version (DESIGN.md, "Reload model rules": Desired version) is one rule:
// newestDesired over a resource's reloads (lib/domain/desired-version.ts). Its SQL side is one
// read, desiredWithout (the resource's DESIRED_CANDIDATES newest other reloads), which ingest's
// fallback and a request's "desired without its own reload" both use. Here the read agrees
// with the rule over every stored reload, and what ingest stores, what a request sees and
// what the replay judges at now are the rule's answer.
import { describe, expect, test } from "vitest";
import { sql } from "@/lib/db/client";
import { newestDesired } from "@/lib/domain/desired-version";
import { desiredVersionAt } from "@/lib/domain/replay";
import { reloadColumns, reloadFromRow, type ReloadRow, type StoredReload } from "@/lib/domain/reload-row";
import type { ReloadStatus } from "@/lib/domain/types";
import { desiredWithout } from "@/lib/ingest/store-desired";
import { sweepReloads } from "@/lib/ingest/sweep-reloads";
import { loadResourceNow } from "@/lib/requests/resource-now";
import { acceptEvents, event, minutesAgo } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const T0 = Date.now() - 3 * 3_600_000;
const m = (minutes: number | null) => (minutes === null ? null : new Date(T0 + minutes * 60_000).toISOString());

interface StoredCase {
  id: string;
  status: ReloadStatus;
  from?: string;
  to?: string;
  first: number;
  requested?: number;
  approved?: number;
  dispatched?: number;
  started?: number;
  rolledBack?: number;
}

/** Resources whose reloads exercise each branch of the rule, ties included (in insertion order: later, higher key). */
const RESOURCES: Record<string, StoredCase[]> = {
  "mixed.yaml": [
    { id: "a", status: "succeeded", to: "v1", first: 0, dispatched: 0, started: 0 },
    { id: "b", status: "rolled_back", from: "v1", to: "v2", first: 10, dispatched: 10, started: 10, rolledBack: 15 },
    { id: "c", status: "pending_approval", to: "v3", first: 20, requested: 20 },
    { id: "d", status: "approved", to: "v4", first: 21, requested: 21, approved: 22 },
    { id: "e", status: "rejected", to: "v5", first: 23, requested: 23 },
    { id: "f", status: "expired", to: "v6", first: 30, requested: 30, approved: 31 },
    { id: "g", status: "expired", to: "v7", first: 32, dispatched: 33, started: 33 },
    { id: "h", status: "partially_failed", to: "v8", first: 40, dispatched: 40, started: 40 },
    { id: "i", status: "cancelled", to: "v9", first: 45, requested: 45, approved: 46 },
    { id: "j", status: "in_progress", to: "v10", first: 5, dispatched: 6, started: 6 },
  ],
  "ties.yaml": [
    { id: "p", status: "succeeded", to: "t1", first: 5, dispatched: 10, started: 10 },
    { id: "q", status: "succeeded", to: "t2", first: 3, dispatched: 10, started: 10 },
    { id: "r", status: "succeeded", to: "t3", first: 3, dispatched: 10, started: 10 },
  ],
  "none.yaml": [
    { id: "x", status: "rejected", to: "n1", first: 0, requested: 0 },
    { id: "y", status: "pending_approval", to: "n2", first: 1, requested: 1 },
    { id: "z", status: "cancelled", to: "n3", first: 2, requested: 2, approved: 3 },
  ],
};

async function storeResources(): Promise<number> {
  const q = sql();
  const [service] = await q.query<{ id: number }[]>(
    `INSERT INTO service (environment, namespace, name) VALUES ('prod', 'live', 'desired') RETURNING id`,
  );
  for (const [resource, reloads] of Object.entries(RESOURCES)) {
    for (const r of reloads) {
      await q.execute(
        `INSERT INTO reload (service_id, reload_id, kind, resource, status, from_version, to_version, requested_at,
                             approved_at, dispatched_at, started_at, rolled_back_at, first_event_at, last_event_at)
         VALUES ($1, $2, 'config', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        service!.id,
        `${resource}:${r.id}`,
        resource,
        r.status,
        r.from ?? null,
        r.to ?? null,
        m(r.requested ?? null),
        m(r.approved ?? null),
        m(r.dispatched ?? null),
        m(r.started ?? null),
        m(r.rolledBack ?? null),
        m(r.first),
        m(Math.max(r.first, r.requested ?? 0, r.approved ?? 0, r.dispatched ?? 0, r.rolledBack ?? 0)),
      );
    }
  }
  return service!.id;
}

async function allReloads(serviceId: number, resource: string): Promise<StoredReload[]> {
  const rows = await sql().query<ReloadRow[]>(
    `SELECT ${reloadColumns("r")} FROM reload r WHERE r.service_id = $1 AND r.kind = 'config' AND r.resource = $2`,
    serviceId,
    resource,
  );
  return rows.map(reloadFromRow);
}

const picked = (p: { version: string; setAt: Date; reload: { reloadId: string } } | null) =>
  p && { version: p.version, setAt: p.setAt.toISOString(), reloadId: p.reload.reloadId };

describe("desired version: the read and the rule", () => {
  test("desiredWithout agrees with newestDesired over every other stored reload, for each one left out", async () => {
    const serviceId = await storeResources();
    const results: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const resource of Object.keys(RESOURCES)) {
      const all = await allReloads(serviceId, resource);
      const cell = { serviceId, kind: "config", resource };
      // "0" names no reload: the whole resource.
      for (const left of [{ key: "0", reloadId: "(none)" }, ...all]) {
        const name = `${resource} without ${left.reloadId}`;
        results[name] = picked(await desiredWithout(sql(), cell, left.key));
        expected[name] = picked(newestDesired(all.filter((r) => r.key !== left.key)));
      }
    }
    expect(results).toEqual(expected);
    // The cases decide what they are there for: the newest setter, a rollback's fromVersion,
    // a setAt tie to the reload heard of first and then to the lower key, nothing at all.
    const version = (name: string) => (results[name] as { reloadId: string } | null)?.reloadId ?? null;
    expect(version("mixed.yaml without (none)")).toBe("mixed.yaml:h");
    expect(version("mixed.yaml without mixed.yaml:h")).toBe("mixed.yaml:g");
    expect(version("ties.yaml without (none)")).toBe("ties.yaml:q");
    expect(version("ties.yaml without ties.yaml:q")).toBe("ties.yaml:r");
    expect(version("none.yaml without (none)")).toBeNull();
    const all = await allReloads(serviceId, "mixed.yaml");
    const rolledBack = newestDesired(all.filter((r) => ["mixed.yaml:b", "mixed.yaml:a"].includes(r.reloadId)));
    expect(rolledBack && { version: rolledBack.version, reloadId: rolledBack.reload.reloadId }).toEqual({
      version: "v1",
      reloadId: "mixed.yaml:b",
    });
  });
});

describe("desired version: ingest, a request and the replay agree with the rule", () => {
  const svc = { environment: "prod", namespace: "payments", service: "ledger", kind: "config" };
  const ledger = { ...svc, resource: "ledger.yaml" };
  const control = (reloadId: string, from: string, to: string) => ({
    ...ledger,
    reloadId,
    fromVersion: from,
    toVersion: to,
    initiator: "alice",
    instance: null,
  });

  interface Stored {
    serviceId: number;
    pointer: { version: string; reloadId: string; setAt: string } | null;
    all: StoredReload[];
  }

  async function stored(): Promise<Stored> {
    const [service] = await sql().query<{ id: number }[]>(`SELECT id FROM service WHERE name = 'ledger'`);
    const [row] = await sql().query<{ version: string; reload_id: string; set_at: Date }[]>(
      `SELECT version, reload_id, set_at FROM desired_version
       WHERE service_id = $1 AND kind = 'config' AND resource = 'ledger.yaml'`,
      service!.id,
    );
    return {
      serviceId: service!.id,
      pointer: row ? { version: row.version, reloadId: row.reload_id, setAt: row.set_at.toISOString() } : null,
      all: await allReloads(service!.id, "ledger.yaml"),
    };
  }

  test("a withdrawn reload gives the pointer back to the rule's choice, everywhere", async () => {
    await acceptEvents([
      event({ ...ledger, instance: "l-1", phase: "heartbeat", toVersion: "v1", occurredAt: minutesAgo(90) }),
      event({ ...control("rl-0", "v0", "v1"), phase: "dispatched", targets: ["l-1"], occurredAt: minutesAgo(80) }),
      event({ ...control("rl-0", "v0", "v1"), instance: "l-1", phase: "acked", occurredAt: minutesAgo(79) }),
      event({ ...control("rl-1", "v1", "v2"), phase: "dispatched", targets: ["l-1"], occurredAt: minutesAgo(60) }),
      event({ ...control("rl-1", "v1", "v2"), instance: "l-1", phase: "acked", occurredAt: minutesAgo(59) }),
      event({ ...control("rl-2", "v2", "v3"), phase: "requested", occurredAt: minutesAgo(10) }),
      event({ ...control("rl-2", "v2", "v3"), phase: "approved", occurredAt: minutesAgo(9) }),
    ]);
    const before = await stored();
    expect(before.pointer).toMatchObject({ version: "v3", reloadId: "rl-2" });

    // A newer request supersedes the approved, unstarted rl-2: the sweep cancels it and ingest falls back.
    await acceptEvents([event({ ...control("rl-3", "v2", "v4"), phase: "requested", occurredAt: minutesAgo(5) })]);
    expect((await sweepReloads()).cancelled).toBe(1);
    const after = await stored();
    const rule = picked(newestDesired(after.all));
    expect(after.pointer).toEqual(rule);
    expect(rule).toMatchObject({ version: "v2", reloadId: "rl-1" });

    // The replay at now, over the same reloads.
    const now = new Date();
    const atRows = after.all.map((r) => ({ ...r, completedAt: r.stored.completedAt }));
    const atNow = desiredVersionAt(atRows, now);
    expect(atNow && { version: atNow.version, setAt: atNow.setAt.toISOString() }).toEqual({
      version: rule!.version,
      setAt: rule!.setAt,
    });

    // A request for rl-1 sees the resource without rl-1: the rule over the others (rl-0's v1).
    const cell = { serviceId: after.serviceId, kind: "config", resource: "ledger.yaml" };
    const without = await loadResourceNow(sql(), cell, { now, excludeReloadId: "rl-1" });
    const ruleWithout = picked(newestDesired(after.all.filter((r) => r.reloadId !== "rl-1")));
    expect(without.desired && { ...without.desired, setAt: without.desired.setAt.toISOString() }).toEqual(ruleWithout);
    expect(ruleWithout).toMatchObject({ version: "v1", reloadId: "rl-0" });
  });
});
