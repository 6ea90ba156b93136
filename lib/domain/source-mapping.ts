// What a source's samples say about reloads (DESIGN.md, "Sources"): pure, from the state left
// by the last query (each series' last value and scrape time) and the raw samples of this one
// to reload events in the wire format of POST /api/v1/events, and the next state.
//
// Series are grouped into units, one per instance × kind × resource (Alertmanager's flag,
// success time and hash are one unit), and each unit's scrapes are walked in time order:
//   - a new success time, a new version, a flag back to 1, or (where nothing else tells) a
//     success counter that rose: `applied`, with the version (the hash, else the success time);
//   - a flag that went to 0, or a rejected/failed counter that rose: `nacked`;
//   - nothing new in this query: a `heartbeat` with the version the unit runs.
// A reload seen this way is one instance's: it is written as a `dispatched` naming that
// instance (its scope) and the instance's `applied` or `nacked`, initiated by `source:<name>`.
// Ids and reload ids are hashes of the source, the unit and the scrape time, so querying
// again yields the same ids (duplicates, stored once).
import { createHash } from "node:crypto";
import { compositeKey, compareCodePoints } from "./keys";
import { matchRow, resourceOf, rowsFor, type SignalRole, type SourceRule } from "./source-catalogue";
import { sourceInitiator } from "./source-initiator";

export interface SourceSettings {
  id: number;
  name: string;
  /** labels naming the environment, the first present wins */
  environmentLabels: string[];
  /** the environment of a series that has none of those labels */
  defaultEnvironment: string;
  serviceLabel: string;
  instanceLabel: string;
  rules: SourceRule[];
}

export interface SamplePoint {
  /** scrape time, epoch ms */
  at: number;
  value: number;
}

/** One series of a query's answer: its metric, labels (without __name__) and raw samples. */
export interface SeriesSamples {
  metric: string;
  labels: Record<string, string>;
  points: SamplePoint[];
}

/** What is kept of a series between queries. */
export interface SeriesState {
  key: string;
  metric: string;
  labels: Record<string, string>;
  value: number;
  sampledAt: Date;
}

export interface SeriesMapping {
  environment: string;
  service: string;
  instance: string;
  kind: string;
  resource: string;
  role: SignalRole;
  family: string;
}

/** A series of this query: its new state, and what it maps to or why it maps to nothing. */
export interface MappedSeries extends SeriesState {
  mapping: SeriesMapping | null;
  problem: string | null;
}

/** A reload event as POST /api/v1/events takes it. */
export type SourceEvent = Record<string, unknown> & { id: string; phase: string; occurredAt: string };

export interface SourceMappingResult {
  events: SourceEvent[];
  series: MappedSeries[];
}

/** The key of a series: its metric and its labels in one order. */
export function seriesKey(metric: string, labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => compareCodePoints(a, b));
  return JSON.stringify([metric, entries]);
}

/** `metric{a="1",b="2"}`, as Prometheus writes a series. */
export function seriesName(metric: string, labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => compareCodePoints(a, b));
  return entries.length === 0 ? metric : `${metric}{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
}

interface Tracked {
  key: string;
  role: SignalRole;
  metric: string;
  versionLabel: string | undefined;
  labels: Record<string, string>;
  value: number | null;
  at: number;
}

interface Unit {
  key: string;
  mapping: Omit<SeriesMapping, "role" | "family">;
  series: Map<string, Tracked>;
  known: boolean;
  points: { seriesKey: string; at: number; value: number }[];
}

interface Signals {
  flag: number | null;
  flagMetric: string | null;
  time: number | null;
  version: string | null;
  ok: number | null;
  failed: number | null;
  failedMetric: string | null;
}

export function mapSourceSamples(
  source: SourceSettings,
  previous: readonly SeriesState[],
  samples: readonly SeriesSamples[],
): SourceMappingResult {
  const rows = rowsFor(source.rules);
  const before = new Map(previous.map((s) => [s.key, s]));
  const units = new Map<string, Unit>();
  const series: MappedSeries[] = [];

  const place = (metric: string, labels: Record<string, string>) => {
    const matched = matchRow(rows, metric);
    if (!matched) return { problem: "not a known reload metric" };
    const environment =
      source.environmentLabels.map((l) => labels[l]).find((v) => v !== undefined && v !== "") ??
      source.defaultEnvironment;
    const service = labels[source.serviceLabel];
    const instance = labels[source.instanceLabel];
    if (!service) return { problem: `has no ${source.serviceLabel} label to name its service` };
    if (!instance) return { problem: `has no ${source.instanceLabel} label to name its instance` };
    const resource = resourceOf(matched.row.resource, matched.captures, labels);
    if (!resource) return { problem: "names no resource" };
    const { kind, role, family, versionLabel } = matched.row;
    return { mapping: { environment, service, instance, kind, resource, role, family }, versionLabel };
  };

  const unitOf = (m: SeriesMapping): Unit => {
    const key = compositeKey(m.environment, m.service, m.instance, m.kind, m.resource);
    let unit = units.get(key);
    if (!unit) {
      unit = {
        key,
        mapping: {
          environment: m.environment,
          service: m.service,
          instance: m.instance,
          kind: m.kind,
          resource: m.resource,
        },
        series: new Map(),
        known: false,
        points: [],
      };
      units.set(key, unit);
    }
    return unit;
  };

  // The previous state first: what each unit's series said when last queried.
  for (const s of previous) {
    const placed = place(s.metric, s.labels);
    if (!("mapping" in placed) || !placed.mapping) continue;
    const unit = unitOf(placed.mapping);
    unit.known = true;
    unit.series.set(s.key, {
      key: s.key,
      role: placed.mapping.role,
      metric: s.metric,
      versionLabel: placed.versionLabel,
      labels: s.labels,
      value: s.value,
      at: s.sampledAt.getTime(),
    });
  }

  for (const s of samples) {
    const key = seriesKey(s.metric, s.labels);
    const points = [...s.points].filter((p) => Number.isFinite(p.value)).sort((a, b) => a.at - b.at);
    const last = points[points.length - 1];
    const placed = place(s.metric, s.labels);
    const prior = before.get(key);
    const state: SeriesState = {
      key,
      metric: s.metric,
      labels: s.labels,
      value: last?.value ?? prior?.value ?? Number.NaN,
      sampledAt: last ? new Date(last.at) : (prior?.sampledAt ?? new Date(0)),
    };
    if (!("mapping" in placed) || !placed.mapping) {
      series.push({ ...state, mapping: null, problem: placed.problem ?? null });
      continue;
    }
    series.push({ ...state, mapping: placed.mapping, problem: null });
    const unit = unitOf(placed.mapping);
    if (!unit.series.has(key)) {
      unit.series.set(key, {
        key,
        role: placed.mapping.role,
        metric: s.metric,
        versionLabel: placed.versionLabel,
        labels: s.labels,
        value: null,
        at: 0,
      });
    }
    const since = prior?.sampledAt.getTime() ?? Number.NEGATIVE_INFINITY;
    for (const p of points) if (p.at > since) unit.points.push({ seriesKey: key, at: p.at, value: p.value });
  }

  const events: SourceEvent[] = [];
  for (const unit of [...units.values()].sort((a, b) => compareCodePoints(a.key, b.key))) {
    events.push(...walkUnit(source, unit));
  }
  return { events, series };
}

function walkUnit(source: SourceSettings, unit: Unit): SourceEvent[] {
  if (unit.points.length === 0) return [];
  const roles = new Set([...unit.series.values()].map((s) => s.role));
  const times = [...new Set(unit.points.map((p) => p.at))].sort((a, b) => a - b);
  let previous: Signals | null = unit.known ? signalsOf(unit) : null;
  const events: SourceEvent[] = [];
  for (const t of times) {
    for (const p of unit.points) {
      if (p.at !== t) continue;
      const tracked = unit.series.get(p.seriesKey)!;
      tracked.value = p.value;
      tracked.at = p.at;
    }
    const now = signalsOf(unit);
    events.push(...changes(source, unit, roles, previous, now, t));
    previous = now;
  }
  if (events.length === 0) {
    const t = times[times.length - 1]!;
    const version = runningVersion(previous!);
    if (version !== null) events.push(heartbeat(source, unit, version, t));
  }
  return events;
}

function signalsOf(unit: Unit): Signals {
  const s: Signals = {
    flag: null,
    flagMetric: null,
    time: null,
    version: null,
    ok: null,
    failed: null,
    failedMetric: null,
  };
  let versionAt = Number.NEGATIVE_INFINITY;
  for (const tracked of unit.series.values()) {
    const v = tracked.value;
    if (v === null || !Number.isFinite(v)) continue;
    switch (tracked.role) {
      case "success_flag":
        if (s.flag === null || v < s.flag) {
          s.flag = v;
          s.flagMetric = tracked.metric;
        }
        break;
      case "success_time":
        s.time = Math.max(s.time ?? v, v);
        break;
      case "version": {
        // A hash carried in a label is a series per hash: the newest one is the one running.
        const version =
          tracked.versionLabel !== undefined && tracked.labels[tracked.versionLabel]
            ? tracked.labels[tracked.versionLabel]!
            : formatValue(v);
        if (tracked.at > versionAt || (tracked.at === versionAt && compareCodePoints(version, s.version ?? "") > 0)) {
          s.version = version;
          versionAt = tracked.at;
        }
        break;
      }
      case "success_counter":
        s.ok = (s.ok ?? 0) + v;
        break;
      case "failure_counter":
        s.failed = (s.failed ?? 0) + v;
        s.failedMetric ??= tracked.metric;
        break;
    }
  }
  return s;
}

/** The version a unit runs: its hash, else the time of its last successful reload. */
function runningVersion(s: Signals): string | null {
  if (s.version !== null) return s.version;
  if (s.time !== null && s.time > 0) return isoSeconds(s.time);
  return null;
}

function changes(
  source: SourceSettings,
  unit: Unit,
  roles: Set<SignalRole>,
  before: Signals | null,
  now: Signals,
  t: number,
): SourceEvent[] {
  const out: SourceEvent[] = [];
  if (before === null) {
    // First sight: what the unit runs, and a failed last reload if it says so.
    if (now.flag === 0)
      out.push(
        ...reload(
          source,
          unit,
          "nacked",
          t,
          runningVersion(now),
          null,
          `${now.flagMetric} is 0: the last configuration reload failed`,
        ),
      );
    return out;
  }
  const failedByFlag = now.flag === 0 && before.flag !== 0;
  const failedByCounter = now.failed !== null && before.failed !== null && now.failed > before.failed;
  if (failedByFlag || failedByCounter) {
    const why = failedByCounter
      ? `${now.failedMetric} rose from ${formatValue(before.failed!)} to ${formatValue(now.failed!)}: a configuration was refused`
      : `${now.flagMetric} is 0: the last configuration reload failed`;
    out.push(...reload(source, unit, "nacked", t, runningVersion(before), null, why));
  }
  const newTime = now.time !== null && before.time !== null && now.time !== before.time && now.time > 0;
  const newVersion = now.version !== null && before.version !== null && now.version !== before.version;
  const recovered = before.flag === 0 && now.flag !== null && now.flag !== 0 && !roles.has("success_time");
  const counted =
    now.ok !== null && before.ok !== null && now.ok > before.ok && !roles.has("version") && !roles.has("success_time");
  if (newTime || newVersion || recovered || counted) {
    // The success time says when the reload happened, if it falls between the two scrapes.
    const reportedAt = newTime ? Math.round(now.time! * 1000) : t;
    const occurredAt = reportedAt <= t && reportedAt > t - 86_400_000 ? reportedAt : t;
    const version =
      runningVersion(now) ?? (counted ? `reload #${formatValue(now.ok!)}` : `reloaded@${new Date(t).toISOString()}`);
    out.push(...reload(source, unit, "applied", occurredAt, runningVersion(before), version, null));
  }
  return out;
}

function reload(
  source: SourceSettings,
  unit: Unit,
  phase: "applied" | "nacked",
  at: number,
  fromVersion: string | null,
  toVersion: string | null,
  error: string | null,
): SourceEvent[] {
  const occurredAt = new Date(at).toISOString();
  const base = derivedId(source.id, unit.key, phase, at);
  const reloadId = `source-${source.id}-${base.slice(0, 20)}`;
  // A refused configuration has no version we can read; the reload still moved what the
  // instance should run, so the instances left on the old one show as drift.
  const target = toVersion ?? `rejected@${occurredAt}`;
  const common = {
    reloadId,
    environment: unit.mapping.environment,
    service: unit.mapping.service,
    kind: unit.mapping.kind,
    resource: unit.mapping.resource,
    fromVersion: fromVersion !== target ? fromVersion : null,
    toVersion: target,
    initiator: sourceInitiator(source.name),
    occurredAt,
    attributes: attributesOf(source, unit),
  };
  return [
    {
      ...common,
      id: `source-${source.id}-${base}-d`,
      phase: "dispatched",
      instance: null,
      targets: [unit.mapping.instance],
    },
    {
      ...common,
      id: `source-${source.id}-${base}`,
      phase,
      instance: unit.mapping.instance,
      ...(error ? { error } : {}),
    },
  ];
}

function heartbeat(source: SourceSettings, unit: Unit, version: string, at: number): SourceEvent {
  return {
    id: `source-${source.id}-${derivedId(source.id, unit.key, "heartbeat", at)}`,
    environment: unit.mapping.environment,
    service: unit.mapping.service,
    instance: unit.mapping.instance,
    kind: unit.mapping.kind,
    resource: unit.mapping.resource,
    phase: "heartbeat",
    toVersion: version,
    initiator: sourceInitiator(source.name),
    occurredAt: new Date(at).toISOString(),
    attributes: attributesOf(source, unit),
  };
}

function attributesOf(source: SourceSettings, unit: Unit): Record<string, unknown> {
  return {
    "source.id": source.id,
    "source.name": source.name,
    "source.series": [...unit.series.values()].map((s) => seriesName(s.metric, s.labels)).sort(compareCodePoints),
  };
}

function derivedId(sourceId: number, unitKey: string, phase: string, at: number): string {
  return createHash("sha256")
    .update(JSON.stringify([sourceId, unitKey, phase, at]))
    .digest("hex")
    .slice(0, 32);
}

/** A sample's value as text: integers in full (a hash as a float64 holds one), others as they are. */
export function formatValue(v: number): string {
  return Number.isInteger(v) ? BigInt(v).toString() : String(v);
}

function isoSeconds(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}
