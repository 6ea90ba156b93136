// Each SQL twin of a domain set (CONVENTIONS.md "One rule, one function"): the query takes the
// set from lib/domain as $n::text[], and over the same rows it selects exactly what the set
// says. Phases: FINAL_PHASES (the stuck alert's silent instances), FAILURE_PHASES (the failure
// alert's errors), SUCCESS_PHASES (the read API's instance order), RAN_VERSION_PHASES (the
// rollback pre-flight, a request's preview, a resource's story). Statuses: OUTCOME_STATUSES
// and FAILED_STATUSES (the failure ratio, the service page's chart), AWAITING_TARGETS_STATUSES
// (the stuck alert), OPEN_REQUEST_STATUSES (the request form), and the schema's own lists.
import { beforeAll, describe, expect, test } from "vitest";
import { readFailureConditions, readStuckConditions } from "@/lib/alerts/read-reloads";
import { sql } from "@/lib/db/client";
import { AWAITING_TARGETS_STATUSES, failureRatioFingerprint } from "@/lib/domain/alerts/reloads";
import { RULE_PARAMS, type RuleParams } from "@/lib/domain/alerts/rules";
import { FAILURE_PHASES, FINAL_PHASES, RAN_VERSION_PHASES, SUCCESS_PHASES } from "@/lib/domain/phases";
import { unfinishedTargets } from "@/lib/domain/reload-status";
import { OPEN_REQUEST_STATUSES, REQUEST_STATUSES } from "@/lib/domain/request-status";
import {
  FAILED_STATUSES,
  NON_TERMINAL_STATUSES,
  OUTCOME_STATUSES,
  PHASES,
  RELOAD_STATUSES,
  type Phase,
} from "@/lib/domain/types";
import { resetEnvCache } from "@/lib/env";
import { getReload } from "@/lib/reloads/queries";
import { getRequestDetail, getRequestFormData } from "@/lib/requests/queries";
import { getServiceCharts } from "@/lib/services/charts";
import { getResourceStory } from "@/lib/services/resource-queries";
import { acceptEvents, event, scopedReload } from "../support/ingest-client";
import { asViewer } from "../support/readers";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

beforeAll(() => {
  // The reloads below stay in progress half an hour after their dispatch.
  process.env.RELOAD_TIMEOUT_SECONDS = "7200";
  resetEnvCache();
});

const MIN = 60_000;
const params = <R extends keyof typeof RULE_PARAMS>(rule: R, over: Partial<RuleParams<R>> = {}): RuleParams<R> =>
  ({ ...RULE_PARAMS[rule].parse({}), ...over }) as RuleParams<R>;
const sorted = (list: Iterable<string>) => [...list].sort();
const has = (set: readonly string[], value: string) => set.includes(value);

async function serviceId(name: string): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(`SELECT id FROM service WHERE name = $1`, name);
  return row!.id;
}

/** The phases an instance reports within a reload, each the latest phase of one target. */
const INSTANCE_PHASES: Phase[] = [
  ...["received", "parsed", "validated", "staged", "applied", "acked"],
  ...["nacked", "failed", "rolled_back"],
] as Phase[];

describe("phase sets: one reload with a target in every phase an instance reports, and one silent", () => {
  const svc = { environment: "prod", namespace: "sets", service: "phases" };
  const targets = [...INSTANCE_PHASES.map((p) => `t-${p}`), "t-silent"];
  const phaseOf = (instance: string): Phase | null => (instance === "t-silent" ? null : (instance.slice(2) as Phase));
  const final = (instance: string) => phaseOf(instance) !== null && FINAL_PHASES.has(phaseOf(instance)!);
  const silent = targets.filter((i) => !final(i));

  async function seed(): Promise<string> {
    const start = Date.now() - 30 * MIN;
    const at = (s: number) => new Date(start + s * 1000).toISOString();
    const change = { kind: "config", resource: "app.yaml", fromVersion: "v1", toVersion: "v2" };
    const control = { ...svc, ...change, reloadId: "rl-phases", instance: null };
    await acceptEvents([
      event({ ...control, phase: "requested", occurredAt: at(0) }),
      event({ ...control, phase: "dispatched", targets, occurredAt: at(10) }),
      ...INSTANCE_PHASES.map((phase, i) => {
        const instance = `t-${phase}`;
        return event({ ...control, instance, phase, error: `${phase} on ${instance}`, occurredAt: at(20 + i) });
      }),
    ]);
    const keys = await sql().query<{ key: string }[]>(
      `SELECT id::text AS key FROM reload WHERE reload_id = 'rl-phases'`,
    );
    return keys[0]!.key;
  }

  test("the read API lists targets that did not succeed first (SUCCESS_PHASES); pending is M − finished", async () => {
    const key = await seed();
    const succeeded = (i: string) => phaseOf(i) !== null && SUCCESS_PHASES.has(phaseOf(i)!);
    const expected = [...targets.filter((i) => !succeeded(i)).sort(), ...targets.filter(succeeded).sort()];
    const detail = (await asViewer(() => getReload(key)))!;
    expect(detail.instances.map((i) => i.instance)).toEqual(expected);
    expect(detail.pending).toBe(silent.length);
    // one target rolled back
    expect(detail.pending).toBe(unfinishedTargets({ ...detail, succeeded: detail.acked, rolledBack: 1 }));
    // Capped at the ones that have not succeeded: exactly those are kept.
    const capped = (await asViewer(() => getReload(key, expected.length - 2)))!;
    expect(sorted(capped.instances.map((i) => i.instance))).toEqual(sorted(targets.filter((i) => !succeeded(i))));
    expect(capped.instancesTruncated).toBe(true);
  });

  test("the stuck alert's silent instances are the targets without a final phase (FINAL_PHASES)", async () => {
    await seed();
    const conditions = await readStuckConditions(sql(), new Date(), params("reload_stuck"));
    const mine = conditions.filter((c) => c.details.reloadId === "rl-phases");
    expect(mine).toHaveLength(1);
    expect(sorted(mine[0]!.details.silentInstances as string[])).toEqual(sorted(silent));
    const finished = targets.length - silent.length;
    expect(mine[0]!.details.finished).toBe(finished);
    expect(mine[0]!.summary).toContain(`has ${finished} of ${targets.length} instances finished`);
  });

  test("the failure alert's errors are of targets that NACKed or failed (FAILURE_PHASES), not of others", async () => {
    await seed();
    const conditions = await readFailureConditions(sql(), new Date(), params("reload_failures"));
    const mine = conditions.filter((c) => c.details.reloadId === "rl-phases");
    expect(mine).toHaveLength(1);
    const listed = (mine[0]!.details.errors as { instances: string[] }[]).flatMap((g) => g.instances);
    const failures = targets.filter((i) => phaseOf(i) !== null && FAILURE_PHASES.has(phaseOf(i)!));
    expect(sorted(listed)).toEqual(sorted(failures));
  });
});

describe("RAN_VERSION_PHASES: an instance ran a version when an event in one of them named it", () => {
  const svc = { environment: "prod", namespace: "sets", service: "ran" };
  const instanceOf = (phase: Phase) => `p-${phase}`;
  const ran = (phase: Phase) => RAN_VERSION_PHASES.has(phase);
  const base = Date.now() - 3 * 3_600_000;
  const t = (minutes: number) => new Date(base + minutes * MIN).toISOString();

  /**
   * Per phase p, instance p-<p>: a heartbeat of v-start at 0 min, p naming v-mid at 10 min,
   * p naming v-target at 30 min, a heartbeat of v-end at 40 min (stored rows, no reload), and
   * live now on v-live. A reload of "holder" from v-target to v-other makes v-target a version
   * of the resource (and v-other the desired one).
   */
  async function seed(): Promise<number> {
    const pair = { kind: "config", resource: "app.yaml" };
    await acceptEvents([
      ...PHASES.map((p) =>
        event({ ...svc, ...pair, instance: instanceOf(p), toVersion: "v-live", occurredAt: t(175) }),
      ),
      ...scopedReload(svc, "rl-holder", "config", "app.yaml", "v-target", "v-other", 5, { holder: "acked" }),
    ]);
    const id = await serviceId("ran");
    const q = sql();
    for (const p of PHASES) {
      const rows: [Phase, string, number][] = [
        ["heartbeat", "v-start", 0],
        [p, "v-mid", 10],
        [p, "v-target", 30],
        ["heartbeat", "v-end", 40],
      ];
      for (const [n, [phase, version, minutes]] of rows.entries()) {
        await q.execute(
          `INSERT INTO reload_event (id, service_id, instance_id, kind, resource, phase, to_version, occurred_at)
           SELECT $1, $2, i.id, 'config', 'app.yaml', $3, $4, $5 FROM instance i
           WHERE i.service_id = $2 AND i.instance_key = $6`,
          `ran-${p}-${n}`,
          id,
          phase,
          version,
          t(minutes),
          instanceOf(p),
        );
      }
    }
    return id;
  }

  test("the rollback pre-flight and a request's preview: ever ran v-target", async () => {
    const id = await seed();
    const focus = { kind: "config", resource: "app.yaml" };
    const form = (await asViewer(() => getRequestFormData(id, { focus, rollbackTo: "v-target" })))!;
    expect(form.preflight?.preflight.version).toBe("v-target");
    const everRan = (rows: { instance: string; everAcked: boolean }[]) =>
      new Map(rows.map((r) => [r.instance, r.everAcked]));
    const fromForm = everRan(form.preflight!.preflight.rows);
    for (const p of PHASES) expect([p, fromForm.get(instanceOf(p))]).toEqual([p, ran(p)]);
    expect(fromForm.get("holder")).toBe(false);

    const requestId = await insertRequest(id, "v-target", PHASES.map(instanceOf));
    const detail = (await asViewer(() => getRequestDetail(requestId)))!;
    const fromPreview = everRan(detail.preview.preflight.rows);
    for (const p of PHASES) expect([p, fromPreview.get(instanceOf(p))]).toEqual([p, ran(p)]);
  });

  test("a resource's story: versions reported in the range, each after the one reported before it", async () => {
    const id = await seed();
    const range = { from: new Date(t(20)), to: new Date(t(50)), now: new Date() };
    const story = (await asViewer(() => getResourceStory(id, "config", "app.yaml", range)))!;
    const changes = story.items.flatMap((item) =>
      item.type === "version" ? [`${item.instanceKey}: ${item.fromVersion} → ${item.toVersion}`] : [],
    );
    const expected = PHASES.flatMap((p) =>
      ran(p)
        ? [`${instanceOf(p)}: v-mid → v-target`, `${instanceOf(p)}: v-target → v-end`]
        : [`${instanceOf(p)}: v-start → v-end`],
    );
    expect(sorted(changes)).toEqual(sorted(expected));
  });
});

describe("status sets: one reload in every status", () => {
  const svc = { environment: "prod", namespace: "sets", service: "statuses" };

  async function seed(): Promise<number> {
    const acked = { "pod-1": "acked" } as const;
    const reloads = RELOAD_STATUSES.flatMap((s) =>
      scopedReload(svc, `rl-${s}`, "config", `r-${s}`, "v1", "v2", 20, acked),
    );
    await acceptEvents(reloads);
    const completed = new Date(Date.now() - 5 * MIN).toISOString();
    for (const s of RELOAD_STATUSES) {
      await sql().execute(
        `UPDATE reload SET status = $2, completed_at = $3::timestamptz,
                           expired_at = CASE WHEN $2 = 'expired' THEN $3::timestamptz END
         WHERE reload_id = $1`,
        `rl-${s}`,
        s,
        completed,
      );
    }
    return serviceId("statuses");
  }

  test("the failure ratio counts OUTCOME_STATUSES as finished and FAILED_STATUSES as failed", async () => {
    const id = await seed();
    const anyFailure = params("reload_failures", { ratioMinReloads: 1, ratioPercent: 1 });
    const conditions = await readFailureConditions(sql(), new Date(), anyFailure);
    const ratio = conditions.find((c) => c.fingerprint === failureRatioFingerprint(id));
    expect(ratio?.details).toMatchObject({ finished: OUTCOME_STATUSES.length, failed: FAILED_STATUSES.length });
  });

  test("the service page's chart counts FAILED_STATUSES as failed, and expired among the other", async () => {
    const id = await seed();
    const hour = { from: new Date(Date.now() - 60 * MIN), to: new Date() };
    const charts = await asViewer(() => getServiceCharts(id, hour));
    const sum = (f: (b: (typeof charts.buckets)[number]) => number) => charts.buckets.reduce((n, b) => n + f(b), 0);
    expect(sum((b) => b.succeeded)).toBe(1);
    expect(sum((b) => b.failed)).toBe(FAILED_STATUSES.length);
    const other = RELOAD_STATUSES.filter((s) => s !== "succeeded" && !has(FAILED_STATUSES, s));
    expect(sum((b) => b.other)).toBe(other.length);
    expect(has(FAILED_STATUSES, "expired")).toBe(false);
  });

  test("the stuck alert waits on AWAITING_TARGETS_STATUSES, and on expired reloads", async () => {
    await seed();
    const conditions = await readStuckConditions(sql(), new Date(), params("reload_stuck"));
    const statuses = conditions.map((c) => String(c.details.status));
    expect(sorted(statuses)).toEqual(sorted([...AWAITING_TARGETS_STATUSES, "expired"]));
  });

  test("the schema's partial index of reloads still under way names NON_TERMINAL_STATUSES", async () => {
    const [row] = await sql().query<{ predicate: string }[]>(
      `SELECT pg_get_expr(x.indpred, x.indrelid) AS predicate FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
       WHERE c.relname = 'reload_deadline_at_open_idx'`,
    );
    expect(sorted(quoted(row!.predicate))).toEqual(sorted(NON_TERMINAL_STATUSES));
  });
});

describe("request statuses", () => {
  test("the schema's check lists REQUEST_STATUSES", async () => {
    const [row] = await sql().query<{ check: string }[]>(
      `SELECT pg_get_constraintdef(oid) AS check FROM pg_constraint WHERE conname = 'reload_request_status_check'`,
    );
    expect(sorted(quoted(row!.check))).toEqual(sorted(REQUEST_STATUSES));
  });

  test("the request form shows a request of the resource as open in OPEN_REQUEST_STATUSES only", async () => {
    const svc = { environment: "prod", namespace: "sets", service: "requests" };
    await acceptEvents([event({ ...svc, instance: "r-1", kind: "config", resource: "app.yaml" })]);
    const id = await serviceId("requests");
    const requestId = await insertRequest(id, "v9", ["r-1"]);
    for (const status of REQUEST_STATUSES) {
      await sql().execute(`UPDATE reload_request SET status = $2 WHERE id = $1::bigint`, requestId, status);
      const form = (await asViewer(() => getRequestFormData(id)))!;
      const open = form.resources.find((r) => r.key === "config/app.yaml")!.openRequest;
      expect([status, open?.status ?? null]).toEqual([status, has(OPEN_REQUEST_STATUSES, status) ? status : null]);
    }
  });
});

/** A request pending approval, made by a new operator, of config/app.yaml to `toVersion`. */
async function insertRequest(serviceId: number, toVersion: string, targets: string[]): Promise<string> {
  const [user] = await sql().query<{ id: number }[]>(
    `INSERT INTO app_user (username, role) VALUES ('op-' || $1, 'operator') RETURNING id`,
    toVersion,
  );
  const [request] = await sql().query<{ id: string }[]>(
    `INSERT INTO reload_request (reload_id, service_id, action, kind, resource, to_version, scope, targets, reason,
                                 requested_by, expires_at, change_hash, required_approvals, status)
     VALUES ('rs-' || $2, $1, 'reload', 'config', 'app.yaml', $2, '{"mode":"all"}', $3::text[], 'why',
             $4, now() + interval '1 hour', 'hash', 1, 'pending_approval') RETURNING id::text`,
    serviceId,
    toVersion,
    targets,
    user!.id,
  );
  return request!.id;
}

/** The quoted words of a constraint or predicate: ('a'::text, 'b'::text) → [a, b]. */
function quoted(definition: string): string[] {
  return [...definition.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}
