import "server-only";
import { affectsInstanceState, foldInstanceState, needsWrite, type InstanceState } from "@/lib/domain/instance-state";
import type { Outcome, Phase, ReloadEventInput } from "@/lib/domain/types";
import { compositeKey, inLockOrder } from "@/lib/domain/keys";
import { iso, type Tx } from "./sql";

// The instance-state read model, updated inside the ingest transaction (docs/adr/0003).

/** How often a heartbeat that changes nothing is written anyway, to record the report time. */
const HEARTBEAT_REFRESH_MS = 60_000;

interface StateRow {
  instance_id: number;
  kind: string;
  resource: string;
  version: string | null;
  since: Date | null;
  last_phase: Phase;
  last_phase_at: Date;
  outcome: Outcome;
  last_error: string | null;
  last_reload_id: string | null;
}

const stateKey = (instanceId: number, kind: string, resource: string) => compositeKey(instanceId, kind, resource);

export async function updateInstanceStates(
  tx: Tx,
  accepted: ReloadEventInput[],
  serviceOf: (e: ReloadEventInput) => number,
  instanceOf: (e: ReloadEventInput) => number | null,
): Promise<void> {
  const groups = new Map<string, { instanceId: number; serviceId: number; kind: string; resource: string; events: ReloadEventInput[] }>();
  for (const e of accepted) {
    if (!affectsInstanceState(e)) continue;
    const instanceId = instanceOf(e)!;
    const key = stateKey(instanceId, e.kind, e.resource);
    const group = groups.get(key) ?? { instanceId, serviceId: serviceOf(e), kind: e.kind, resource: e.resource, events: [] };
    group.events.push(e);
    groups.set(key, group);
  }
  if (groups.size === 0) return;
  // Locked in primary-key order (instance id, then kind and resource by code point), in
  // code and in SQL alike, so concurrent batches never wait on each other in a cycle.
  const ordered = inLockOrder([...groups.values()], (g) => [g.instanceId, g.kind, g.resource]);

  const lockStates = async (keys: typeof ordered) => {
    // Probed and locked one key at a time, in the (sorted) order of the keys: the lock order.
    const rows = await tx.query<StateRow[]>(
      `SELECT st.instance_id, st.kind, st.resource, st.version, st.since, st.last_phase, st.last_phase_at,
              st.outcome, st.last_error, st.last_reload_id
       FROM unnest($1::int[], $2::text[], $3::text[]) WITH ORDINALITY AS k(instance_id, kind, resource, n)
       CROSS JOIN LATERAL (
         SELECT * FROM instance_state st
         WHERE st.instance_id = k.instance_id AND st.kind = k.kind AND st.resource = k.resource
         FOR NO KEY UPDATE
       ) st
       ORDER BY k.n`,
      keys.map((g) => g.instanceId),
      keys.map((g) => g.kind),
      keys.map((g) => g.resource),
    );
    return new Map(rows.map((r) => [stateKey(r.instance_id, r.kind, r.resource), fromRow(r)]));
  };

  const existing = await lockStates(ordered);
  const toUpdate: { group: (typeof ordered)[number]; state: InstanceState }[] = [];
  const toInsert: { group: (typeof ordered)[number]; state: InstanceState }[] = [];
  for (const group of ordered) {
    const key = stateKey(group.instanceId, group.kind, group.resource);
    const current = existing.get(key) ?? null;
    const next = foldInstanceState(current, group.events);
    if (!next || next === current || !needsWrite(current, next, HEARTBEAT_REFRESH_MS)) continue;
    (current ? toUpdate : toInsert).push({ group, state: next });
  }

  if (toInsert.length > 0) {
    const inserted = await writeStates(tx, toInsert, "insert");
    // Another transaction created some of these rows meanwhile: fold onto what it wrote.
    const lost = toInsert.filter(({ group }) => !inserted.has(stateKey(group.instanceId, group.kind, group.resource)));
    if (lost.length > 0) {
      const now = await lockStates(lost.map(({ group }) => group));
      for (const { group } of lost) {
        const current = now.get(stateKey(group.instanceId, group.kind, group.resource)) ?? null;
        const next = foldInstanceState(current, group.events);
        if (next && next !== current && needsWrite(current, next, HEARTBEAT_REFRESH_MS)) toUpdate.push({ group, state: next });
      }
    }
  }
  if (toUpdate.length > 0) await writeStates(tx, toUpdate, "update");
}

function fromRow(r: StateRow): InstanceState {
  return {
    version: r.version,
    since: r.since,
    lastPhase: r.last_phase,
    lastPhaseAt: r.last_phase_at,
    outcome: r.outcome,
    lastError: r.last_error,
    lastReloadId: r.last_reload_id,
  };
}

async function writeStates(
  tx: Tx,
  rows: { group: { instanceId: number; serviceId: number; kind: string; resource: string }; state: InstanceState }[],
  mode: "insert" | "update",
): Promise<Set<string>> {
  const params = [
    rows.map((r) => r.group.instanceId),
    rows.map((r) => r.group.kind),
    rows.map((r) => r.group.resource),
    rows.map((r) => r.group.serviceId),
    rows.map((r) => r.state.version),
    rows.map((r) => iso(r.state.since)),
    rows.map((r) => r.state.lastPhase),
    rows.map((r) => iso(r.state.lastPhaseAt)),
    rows.map((r) => r.state.outcome),
    rows.map((r) => r.state.lastError),
    rows.map((r) => r.state.lastReloadId),
  ];
  const values = `unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::text[],
                         $8::timestamptz[], $9::text[], $10::text[], $11::text[])`;
  if (mode === "insert") {
    const inserted = await tx.query<{ instance_id: number; kind: string; resource: string }[]>(
      `INSERT INTO instance_state (instance_id, kind, resource, service_id, version, since, last_phase, last_phase_at,
                                   outcome, last_error, last_reload_id)
       SELECT * FROM ${values}
       ON CONFLICT (instance_id, kind, resource) DO NOTHING
       RETURNING instance_id, kind, resource`,
      ...params,
    );
    return new Set(inserted.map((r) => stateKey(r.instance_id, r.kind, r.resource)));
  }
  await tx.execute(
    `UPDATE instance_state st SET version = u.version, since = u.since, last_phase = u.last_phase,
            last_phase_at = u.last_phase_at, outcome = u.outcome, last_error = u.last_error,
            last_reload_id = u.last_reload_id, updated_at = now()
     FROM ${values} AS u(instance_id, kind, resource, service_id, version, since, last_phase, last_phase_at,
                         outcome, last_error, last_reload_id)
     WHERE st.instance_id = u.instance_id AND st.kind = u.kind AND st.resource = u.resource`,
    ...params,
  );
  return new Set();
}
