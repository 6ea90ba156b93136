import "server-only";
import { sql, transaction, type Sql } from "@/lib/db/client";
import { planAlertChanges } from "@/lib/domain/alerts/lifecycle";
import { resolveRuleConfigs, type RuleConfigs, type RuleOverride } from "@/lib/domain/alerts/rules";
import { activeSilenceFor, type Silence } from "@/lib/domain/alerts/silences";
import {
  RULE_IDS,
  type AlertChange,
  type AlertCondition,
  type RuleId,
  type Severity,
  type StoredAlert,
} from "@/lib/domain/alerts/types";
import { toStoredAlert, type StoredAlertRow } from "./alert-view";
import { notifyAlertChanges } from "./nudge";
import { readUnauthorizedConditions } from "./read-audit";
import { readDriftConditions } from "./read-drift";
import { readOutOfBandConditions, readStaleConditions } from "./read-instances";
import { readRegressionConditions } from "./read-regression";
import { toSilenceFields, type SilenceSqlRow } from "./silence-row";
import { readFailureConditions, readStormConditions, readStuckConditions } from "./read-reloads";

// One evaluation pass (docs/adr/0014-alerts.md): read every enabled rule's
// conditions from the read model with bounded queries, then, in one short transaction under
// an advisory lock, diff them against the open alerts by fingerprint: open the new ones,
// update the ones still seen, resolve the ones gone. The reads run outside the transaction,
// so the embedded database's single connection is never held while they run, and the lock
// makes two overlapping passes (two processes, or a nudge during a tick) take turns on the
// write, the second diffing against what the first opened.

/** Any fixed bigint, distinct from the other advisory lock keys (snapshots, migrations, partitions). */
export const ALERT_WRITE_LOCK_KEY = 7_270_737_014;

type Reader = (q: Sql, now: Date, params: never) => Promise<AlertCondition[]>;

const READERS: Record<RuleId, Reader> = {
  drift: readDriftConditions,
  reload_failures: readFailureConditions,
  reload_stuck: readStuckConditions,
  instance_stale: readStaleConditions,
  out_of_band_change: readOutOfBandConditions,
  unauthorized_attempt: readUnauthorizedConditions,
  reload_storm: readStormConditions,
  regression: readRegressionConditions,
};

export interface EvaluationResult {
  opened: AlertChange[];
  resolved: AlertChange[];
  /** open alerts whose summary, details, labels, link or severity changed (ages ticking with the clock aside) */
  updated: number;
  /** alert rows this pass wrote: opened + updated + resolved; 0 over a fleet where nothing changed */
  writes: number;
  ms: number;
  /** rules whose read failed this pass (their alerts stay as they were), and stored thresholds ignored */
  errors: string[];
  /** milliseconds each rule's read took */
  ruleMs: Partial<Record<RuleId, number>>;
  /** milliseconds of the write transaction (lock, diff, inserts, updates, resolutions) */
  writeMs: number;
}

export async function loadRuleConfigs(q: Sql): Promise<{ configs: RuleConfigs; problems: string[] }> {
  const rows = await q.query<{ rule: string; enabled: boolean; severity: Severity; params: unknown }[]>(
    `SELECT rule, enabled, severity, params FROM alert_rule`,
  );
  return resolveRuleConfigs(rows as RuleOverride[]);
}

export async function evaluateAlerts(
  options: { now?: Date; rules?: readonly RuleId[] } = {},
): Promise<EvaluationResult> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const q = sql();
  const { configs, problems } = await loadRuleConfigs(q);
  const errors = [...problems];
  const ruleMs: EvaluationResult["ruleMs"] = {};
  const rules = options.rules ?? RULE_IDS;

  const conditions: AlertCondition[] = [];
  // A disabled rule counts as evaluated with nothing seen: its open alerts resolve.
  const evaluated = new Set<RuleId>(rules.filter((r) => !configs[r].enabled));
  const reads = await Promise.allSettled(
    rules
      .filter((r) => configs[r].enabled)
      .map(async (rule) => {
        const t0 = performance.now();
        const found = await READERS[rule](q, now, configs[rule].params as never);
        ruleMs[rule] = Math.round(performance.now() - t0);
        return { rule, found };
      }),
  );
  for (const [i, read] of reads.entries()) {
    if (read.status === "fulfilled") {
      evaluated.add(read.value.rule);
      conditions.push(...read.value.found);
    } else {
      const rule = rules.filter((r) => configs[r].enabled)[i]!;
      errors.push(`${rule}: ${(read.reason as Error)?.message ?? String(read.reason)}`);
      console.error(`[alerts] rule ${rule} could not be read; its alerts stay as they are:`, read.reason);
    }
  }

  const writeStarted = performance.now();
  const { opened, resolved, updated } = await transaction((tx) => writeAlerts(tx, conditions, evaluated, configs, now));
  const writeMs = Math.round(performance.now() - writeStarted);
  const writes = opened.length + updated + resolved.length;
  const result: EvaluationResult = {
    opened,
    resolved,
    updated,
    writes,
    ms: Math.round(performance.now() - started),
    errors,
    ruleMs,
    writeMs,
  };
  // Delivery reads what to send from the tables; this only wakes it (lib/alerts/deliver.ts).
  notifyAlertChanges([...opened, ...resolved]);
  return result;
}

const ALERT_COLUMNS = `id::text, fingerprint, rule, severity, state, service_id, kind, resource, reload_key::text, summary, details, labels, link, started_at, resolved_at`;

async function writeAlerts(
  tx: Sql,
  conditions: AlertCondition[],
  evaluated: ReadonlySet<RuleId>,
  configs: RuleConfigs,
  now: Date,
): Promise<{ opened: AlertChange[]; resolved: AlertChange[]; updated: number }> {
  await tx.query(`SELECT pg_advisory_xact_lock($1)`, ALERT_WRITE_LOCK_KEY);
  const open = (await tx.query<StoredAlertRow[]>(`SELECT ${ALERT_COLUMNS} FROM alert WHERE state <> 'resolved'`)).map(
    toStoredAlert,
  );
  const severityOf = (rule: RuleId) => configs[rule].severity;
  const plan = planAlertChanges(open, conditions, evaluated, severityOf);
  const at = now.toISOString();

  let openedRows: StoredAlertRow[] = [];
  if (plan.toOpen.length > 0) {
    openedRows = await tx.query<StoredAlertRow[]>(
      `INSERT INTO alert (fingerprint, rule, severity, state, service_id, kind, resource, reload_key, summary, details, labels, link,
                          started_at, last_seen_at, updated_at)
       SELECT x.fingerprint, x.rule, x.severity, 'firing', x.service_id, x.kind, x.resource, x.reload_key::bigint, x.summary,
              x.details, x.labels, x.link, $2::timestamptz, $2::timestamptz, $2::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(fingerprint text, rule text, severity text, service_id int, kind text, resource text,
                                               reload_key text, summary text, details jsonb, labels jsonb, link text)
       ON CONFLICT (fingerprint) WHERE state <> 'resolved' DO NOTHING
       RETURNING ${ALERT_COLUMNS}`,
      JSON.stringify(plan.toOpen.map((c) => ({ ...rowOf(c), severity: severityOf(c.rule) }))),
      at,
    );
  }

  // Only alerts that say something new are written (docs/adr/0014: rewriting every open alert
  // on every pass made millions of dead rows). last_seen_at moves with them: an open alert is
  // seen at every pass, so the page says so rather than the row being rewritten to say it.
  // The IS DISTINCT FROM keeps a row that already holds these values (a pass that raced
  // another) from being rewritten all the same.
  const changed = plan.toUpdate.filter((u) => u.changed);
  let updated = 0;
  if (changed.length > 0) {
    updated = await tx.execute(
      `UPDATE alert a
       SET last_seen_at = $2::timestamptz, updated_at = $2::timestamptz,
           summary = x.summary, details = x.details, labels = x.labels, link = x.link, severity = x.severity,
           service_id = x.service_id, kind = x.kind, resource = x.resource, reload_key = x.reload_key::bigint
       FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, severity text, service_id int, kind text, resource text,
                                               reload_key text, summary text, details jsonb, labels jsonb, link text)
       WHERE a.id = x.id AND a.state <> 'resolved'
         AND (a.summary, a.details, a.labels, a.link, a.severity, a.service_id, a.kind, a.resource, a.reload_key)
             IS DISTINCT FROM (x.summary, x.details, x.labels, x.link, x.severity, x.service_id, x.kind, x.resource, x.reload_key::bigint)`,
      JSON.stringify(
        changed.map(({ alert, condition }) => ({
          id: alert.id,
          ...rowOf(condition),
          severity: severityOf(condition.rule),
        })),
      ),
      at,
    );
  }

  let resolvedRows: StoredAlertRow[] = [];
  if (plan.toResolve.length > 0) {
    resolvedRows = await tx.query<StoredAlertRow[]>(
      `UPDATE alert SET state = 'resolved', resolved_at = $2::timestamptz, updated_at = $2::timestamptz
       WHERE id = ANY($1::bigint[]) AND state <> 'resolved'
       RETURNING ${ALERT_COLUMNS}`,
      plan.toResolve.map((a) => a.id),
      at,
    );
  }

  const silences = openedRows.length + resolvedRows.length > 0 ? await loadActiveSilences(tx, now) : [];
  const change = (r: StoredAlertRow, event: AlertChange["event"]): AlertChange => ({
    ...toStoredAlert(r),
    event,
    silenced:
      activeSilenceFor(silences, { rule: r.rule, serviceId: r.service_id, fingerprint: r.fingerprint }, now) !== null,
  });
  return {
    opened: openedRows.map((r) => change(r, "firing")),
    resolved: resolvedRows.map((r) => change(r, "resolved")),
    updated,
  };
}

function rowOf(c: AlertCondition) {
  return {
    fingerprint: c.fingerprint,
    rule: c.rule,
    service_id: c.serviceId,
    kind: c.kind,
    resource: c.resource,
    reload_key: c.reloadKey,
    summary: c.summary,
    details: c.details,
    labels: c.labels,
    link: c.link,
  };
}

/** Silences in force at `now` (not expired, not ended). */
export async function loadActiveSilences(q: Sql, now: Date): Promise<Silence[]> {
  const rows = await q.query<(SilenceSqlRow<number | null> & { created_at: Date })[]>(
    `SELECT id::text, rule, service_id, fingerprint, comment, created_by, created_at, expires_at, ended_at
     FROM alert_silence WHERE ended_at IS NULL AND expires_at > $1::timestamptz`,
    now.toISOString(),
  );
  return rows.map((r) => ({ ...toSilenceFields(r), createdAt: r.created_at }));
}
