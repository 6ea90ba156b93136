// Property-based tests of POST /api/v1/events through the real route handler (DESIGN.md "Reload model rules"):
//  (a) no body, however hostile, gets a 5xx;
//  (b) in any mix of valid and invalid events, exactly the invalid ones are rejected and
//      nothing of them is written;
//  (c) the events of one reload give the same instance state (and reload) whatever order and
//      batches they arrive in.
// fast-check runs with a fixed seed, so a failure is reproducible; it prints the seed and
// the path of the shrunk counterexample.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { db } from "@/lib/db/client";
import { PHASES } from "@/lib/domain/types";
import { getStatesAt } from "@/lib/replay/queries";
import { asViewer } from "../support/readers";
import { postEvents, type IngestAnswer } from "../support/ingest-client";
import { truncateAll, useTestDatabase } from "../support/use-database";

useTestDatabase();

// PROPERTY_SEED explores other seeds locally; CI runs the fixed one.
const SEED = Number(process.env.PROPERTY_SEED ?? 20261123);
// A guard against a hung run, not a speed target: the runs take ~1–2 minutes on a quiet machine and
// more than three on a loaded one (two suites at once).
const TEST_TIMEOUT_MS = 480_000;

// Every run completes: an interrupted run (interruptAfterTimeLimit) keeps writing in the
// background while the next test has already emptied the database, which made the suite
// flaky on a loaded machine. The run counts are sized to finish well within the timeout.
function settings<T>(numRuns: number): fc.Parameters<T> {
  return { seed: SEED, numRuns };
}

const sql = <T>(text: string, ...params: unknown[]) => db().$queryRawUnsafe<T[]>(text, ...params);
const countOf = async (text: string, ...params: unknown[]) => (await sql<{ n: number }>(text, ...params))[0]!.n;

// ---------------------------------------------------------------------------------------------
// Hostile values

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const nastyChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: fc.constantFrom("\u0000", "\\", '"', "\u2028", "\ufeff", "%", "\u{1F600}", " ", "\n", "é") },
);
/** Strings with lone surrogates, NUL, quotes, emoji… */
const nastyString = fc.array(nastyChar, { maxLength: 12 }).map((chars) => chars.join(""));

// Raw JSON fragments that JSON.stringify cannot produce: written as a marker, then spliced in.
const RAW = (text: string) => `@@raw:${text}@@`;
const spliceRaw = (json: string) => json.replace(/"@@raw:(.*?)@@"/g, (_m, text: string) => text);
const rawNumber = fc
  .constantFrom(
    "1e400",
    "-1e400",
    "1e-400",
    "123456789012345678901234567890",
    "-0",
    "9007199254740993",
    "18446744073709551616",
    "0.1e1",
    "2147483648",
  )
  .map(RAW);
const deepNesting = fc.integer({ min: 50, max: 20_000 }).map((depth) => RAW("[".repeat(depth) + "]".repeat(depth)));
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(2 ** 31, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e308, -1, 0.5, Number.MAX_SAFE_INTEGER),
  rawNumber,
);
const timeString = fc.oneof(
  fc.constantFrom(
    "0000-01-01T00:00:00.000Z",
    "+275760-09-13T00:00:00.000Z",
    "-000001-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "9999-12-31T23:59:59.999Z",
    "1970-01-01T00:00:00Z",
    "1990-01-01T00:00:00Z",
    "2026-11-21 14:03:07",
    "2026-11-21T14:03:07.123456789+14:00",
    "",
  ),
  fc
    .integer({ min: -3_000_000_000, max: 3_000_000_000 })
    .map((offsetMs) => new Date(Date.now() + offsetMs).toISOString()),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: number },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 1, arbitrary: timeString },
  { weight: 1, arbitrary: deepNesting },
);
const hostileRecord = fc.dictionary(nastyString, fc.oneof(nastyString, anyValue), { maxKeys: 6 });

const FIELDS = [
  "id",
  "reloadId",
  "environment",
  "namespace",
  "service",
  "instance",
  "labels",
  "kind",
  "resource",
  "phase",
  "fromVersion",
  "toVersion",
  "initiator",
  "occurredAt",
  "durationMs",
  "error",
  "traceId",
  "spanId",
  "attributes",
  "targets",
  "targetCount",
];

/** The string fields a plausible value with hostile characters replaces (phase comes from its own arbitrary). */
const STRING_FIELDS = FIELDS.filter(
  (f) => !["labels", "phase", "durationMs", "attributes", "targets", "targetCount"].includes(f),
);
/** A plausible value with hostile characters before or after it, so the rest of the event stays valid. */
const nearlyValid = fc
  .tuple(fc.constantFrom("checkout-api", "v2", "eu-west-1", "config", "rl-hostile", ""), nastyString, fc.boolean())
  .map(([plain, nasty, before]) => (before ? nasty + plain : plain + nasty));
const oneOverride = fc
  .oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...STRING_FIELDS), nearlyValid) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("labels", "attributes"), hostileRecord) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("durationMs", "targetCount"), number) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("occurredAt"), timeString) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("targets"), fc.array(nearlyValid, { maxLength: 3 })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 }))),
    },
  )
  .map(([field, value]) => ({ [field]: value }));

let hostileSeq = 0;
/** A plausible event, one or a few of whose fields (or extra keys) are replaced by hostile values. */
const hostileEvent = fc
  .record({
    phase: fc.oneof(
      { weight: 3, arbitrary: fc.constant("heartbeat") },
      { weight: 2, arbitrary: fc.constantFrom(...PHASES) },
    ),
    overrides: fc.oneof(
      { weight: 3, arbitrary: oneOverride },
      {
        weight: 1,
        arbitrary: fc
          .array(oneOverride, { maxLength: 4 })
          .map((list) => Object.assign({}, ...list) as Record<string, unknown>),
      },
    ),
    extra: fc.dictionary(nastyString, anyValue, { maxKeys: 1 }),
    agoMs: fc.integer({ min: 0, max: 3_600_000 }),
  })
  .map(({ phase, overrides, extra, agoMs }) => ({
    id: `hostile-${++hostileSeq}`,
    reloadId: phase === "heartbeat" ? undefined : "rl-hostile",
    environment: "prod",
    namespace: "fuzz",
    service: "fuzz-svc",
    instance: phase === "requested" || phase === "approved" || phase === "dispatched" ? null : "fuzz-1",
    labels: { region: "eu-west-1" },
    kind: "config",
    resource: "routes.yaml",
    phase,
    fromVersion: "v1",
    toVersion: "v2",
    error: phase === "nacked" || phase === "failed" ? "refused" : null,
    // Computed when the body is built, not when the arbitrary is, so the time is recent.
    occurredAt: { agoMs },
    ...extra,
    ...overrides,
  }));

type BodyCase = { contentType: string; raw: string; items: number | null };
const CONTENT_TYPES = ["application/json", "application/cloudevents+json", "application/cloudevents-batch+json"];

const cloudEvent = fc.record(
  {
    specversion: fc.oneof(fc.constant("1.0"), anyValue),
    type: fc.oneof(fc.constant("dev.reloadscope.reload"), anyValue),
    id: fc.oneof(nastyString, anyValue),
    source: fc.oneof(nastyString, anyValue),
    time: fc.oneof(timeString, anyValue),
    data: fc.oneof({ weight: 4, arbitrary: hostileEvent }, { weight: 1, arbitrary: anyValue }),
  },
  { requiredKeys: [] },
);

const bodyCase: fc.Arbitrary<BodyCase> = fc.oneof(
  // Any JSON text at all.
  fc
    .tuple(fc.json({ maxDepth: 4 }), fc.constantFrom(...CONTENT_TYPES))
    .map(([raw, contentType]) => ({ contentType, raw, items: null })),
  // Not JSON.
  fc
    .tuple(fc.string({ maxLength: 40 }), fc.constantFrom(...CONTENT_TYPES))
    .map(([raw, contentType]) => ({ contentType, raw, items: null })),
  // One event, or an array of events and junk.
  hostileEvent.map((e) => ({ contentType: "application/json", raw: JSON.stringify(e), items: 1 })),
  fc
    .array(fc.oneof({ weight: 4, arbitrary: hostileEvent }, { weight: 1, arbitrary: anyValue }), {
      minLength: 1,
      maxLength: 6,
    })
    .map((list) => ({
      contentType: "application/json",
      raw: JSON.stringify(list),
      items: list.length,
    })),
  // CloudEvents, structured and batched.
  cloudEvent.map((ce) => ({ contentType: "application/cloudevents+json", raw: JSON.stringify(ce), items: 1 })),
  fc.array(cloudEvent, { minLength: 1, maxLength: 4 }).map((list) => ({
    contentType: "application/cloudevents-batch+json",
    raw: JSON.stringify(list),
    items: list.length,
  })),
  // A whole body that is only deep nesting.
  deepNesting.map((marker) => ({ contentType: "application/json", raw: JSON.stringify(marker), items: null })),
);

/** Fills `{agoMs}` placeholders with real times and splices the raw fragments in. */
function materialise(raw: string, now: number): string {
  const withTimes = raw.replace(/\{"agoMs":(\d+)\}/g, (_m, ago: string) =>
    JSON.stringify(new Date(now - Number(ago)).toISOString()),
  );
  return spliceRaw(withTimes);
}

// ---------------------------------------------------------------------------------------------
// (a) never a 5xx

describe("property: any body", () => {
  test(
    "is answered 200 or 4xx, never 5xx, always with a JSON body; a 200 accounts for every item",
    async () => {
      await fc.assert(
        fc.asyncProperty(bodyCase, async (body) => {
          const answer = await postEvents(null, {
            raw: materialise(body.raw, Date.now()),
            contentType: body.contentType,
          });
          if (answer.status >= 500 || answer.status < 200 || (answer.status > 200 && answer.status < 400)) {
            throw new Error(`answered ${answer.status}: ${JSON.stringify(answer.body)}`);
          }
          if (answer.status === 200 && body.items !== null) {
            const { accepted = NaN, duplicates = NaN, rejected = [] } = answer.body;
            expect(accepted + duplicates + rejected.length).toBe(body.items);
          }
        }),
        settings(500),
      );
    },
    TEST_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------
// (b) valid and invalid events mixed

type ValidSpec =
  | { type: "heartbeat"; service: number; instance: number; resource: number; version: number; agoMs: number }
  | {
      type: "reload";
      service: number;
      instance: number;
      reload: number;
      phase: (typeof RELOAD_PHASES)[number];
      agoMs: number;
    };
const RELOAD_PHASES = [
  "requested",
  "approved",
  "dispatched",
  "received",
  "applied",
  "acked",
  "nacked",
  "failed",
] as const;
const CONTROL_PHASES = new Set(["requested", "approved", "dispatched"]);

/** How an invalid event is broken; every one of these must be refused (DESIGN.md "Reload events"). */
const BREAKERS = [
  "no phase",
  "unknown phase",
  "kind not a word",
  "10 min in the future",
  "older than retention",
  "year 0000",
  "time without zone",
  "lone surrogate in service",
  "lone surrogate in a label value",
  "lone surrogate in an attribute key",
  "lone surrogate in id",
  "NUL in instance",
  "NUL in a label key",
  "applied without toVersion",
  "nacked without error",
  "heartbeat with reloadId",
  "negative duration",
  "fractional duration",
  "malformed traceId",
  "too many labels",
  "id reused with other content",
] as const;
type Breaker = (typeof BREAKERS)[number];
type InvalidSpec = { type: "invalid"; breaker: Breaker; agoMs: number };

const validSpec: fc.Arbitrary<ValidSpec> = fc.oneof(
  fc.record({
    type: fc.constant("heartbeat" as const),
    service: fc.integer({ min: 0, max: 2 }),
    instance: fc.integer({ min: 0, max: 3 }),
    resource: fc.integer({ min: 0, max: 1 }),
    version: fc.integer({ min: 1, max: 3 }),
    agoMs: fc.integer({ min: 1_000, max: 2 * 3_600_000 }),
  }),
  fc.record({
    type: fc.constant("reload" as const),
    service: fc.integer({ min: 0, max: 2 }),
    instance: fc.integer({ min: 0, max: 3 }),
    reload: fc.integer({ min: 0, max: 1 }),
    phase: fc.constantFrom(...RELOAD_PHASES),
    agoMs: fc.integer({ min: 1_000, max: 2 * 3_600_000 }),
  }),
);
const invalidSpec: fc.Arbitrary<InvalidSpec> = fc.record({
  type: fc.constant("invalid" as const),
  breaker: fc.constantFrom(...BREAKERS),
  agoMs: fc.integer({ min: 1_000, max: 3_600_000 }),
});

function buildValid(spec: ValidSpec, id: string, now: number): Record<string, unknown> {
  const common = {
    id,
    environment: "prod",
    namespace: "mix",
    service: `svc-${spec.service}`,
    labels: { region: "eu-west-1" },
    occurredAt: new Date(now - spec.agoMs).toISOString(),
  };
  if (spec.type === "heartbeat") {
    return {
      ...common,
      instance: `inst-${spec.instance}`,
      kind: "config",
      resource: `res-${spec.resource}`,
      phase: "heartbeat",
      toVersion: `v${spec.version}`,
    };
  }
  const control = CONTROL_PHASES.has(spec.phase);
  return {
    ...common,
    reloadId: `rl-${spec.reload}`,
    instance: control ? null : `inst-${spec.instance}`,
    kind: "config",
    resource: `reloaded-${spec.reload}`,
    phase: spec.phase,
    fromVersion: "v1",
    toVersion: "v2",
    initiator: "pipeline:property",
    error: spec.phase === "nacked" || spec.phase === "failed" ? "refused by the property test" : null,
  };
}

/** An invalid event of its own service, instance and reload (all named rej-*), so anything written of it can be found. */
function buildInvalid(
  spec: InvalidSpec,
  index: number,
  now: number,
  earlierValid: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: `rej-${index}`,
    environment: "prod",
    namespace: "mix",
    service: `rej-svc-${index}`,
    instance: `rej-inst-${index}`,
    labels: { region: "eu-west-1" },
    kind: "config",
    resource: "routes.yaml",
    phase: "heartbeat",
    toVersion: "v9",
    occurredAt: new Date(now - spec.agoMs).toISOString(),
  };
  const reload = { reloadId: `rej-rl-${index}`, fromVersion: "v1", toVersion: "v2" };
  switch (spec.breaker) {
    case "no phase":
      return { ...base, phase: undefined };
    case "unknown phase":
      return { ...base, phase: "exploded" };
    case "kind not a word":
      return { ...base, kind: "Config Files" };
    case "10 min in the future":
      return { ...base, occurredAt: new Date(now + 10 * 60_000).toISOString() };
    case "older than retention":
      return { ...base, occurredAt: new Date(now - 40 * 86_400_000).toISOString() };
    case "year 0000":
      return { ...base, occurredAt: "0000-01-01T00:00:00.000Z" };
    case "time without zone":
      return { ...base, occurredAt: "2026-11-21 14:03:07" };
    case "lone surrogate in service":
      return { ...base, service: `rej-svc-${index}-\ud800` };
    case "lone surrogate in a label value":
      return { ...base, labels: { region: "eu-\udc00-1" } };
    case "lone surrogate in an attribute key":
      return { ...base, attributes: { "config.\ud83d": "x" } };
    case "lone surrogate in id":
      return { ...base, id: `rej-${index}-\udfff` };
    case "NUL in instance":
      return { ...base, instance: `rej-inst-${index}\u0000` };
    case "NUL in a label key":
      return { ...base, labels: { "re\u0000gion": "eu-west-1" } };
    case "applied without toVersion":
      return { ...base, ...reload, phase: "applied", toVersion: null };
    case "nacked without error":
      return { ...base, ...reload, phase: "nacked", error: null };
    case "heartbeat with reloadId":
      return { ...base, reloadId: `rej-rl-${index}` };
    case "negative duration":
      return { ...base, durationMs: -1 };
    case "fractional duration":
      return { ...base, durationMs: 1.5 };
    case "malformed traceId":
      return { ...base, traceId: "not-a-trace-id" };
    case "too many labels":
      return { ...base, labels: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) };
    case "id reused with other content":
      // The same id as an earlier valid event of this batch, with other content (DESIGN.md "Idempotency").
      return earlierValid ? { ...base, id: earlierValid.id } : { ...base, phase: "exploded" };
  }
}

describe("property: valid and invalid events mixed in one batch", () => {
  test(
    "exactly the invalid ones are rejected, by index; nothing of them is written; every valid one is stored",
    async () => {
      const item = fc.oneof(
        { weight: 3, arbitrary: validSpec as fc.Arbitrary<ValidSpec | InvalidSpec> },
        { weight: 2, arbitrary: invalidSpec },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 12 }), async (specs) => {
          await truncateAll();
          const now = Date.now();
          const events: Record<string, unknown>[] = [];
          const validIds: string[] = [];
          const rejectedIndexes: number[] = [];
          const reused = new Map<string, Record<string, unknown>>();
          const reusedIndexes = new Set<number>();
          specs.forEach((spec, index) => {
            if (spec.type === "invalid") {
              const earlierValid = events.find((e) => validIds.includes(String(e.id)));
              const built = buildInvalid(spec, index, now, earlierValid);
              if (spec.breaker === "id reused with other content" && earlierValid) {
                reused.set(String(earlierValid.id), earlierValid);
                reusedIndexes.add(index);
              }
              events.push(built);
              rejectedIndexes.push(index);
            } else {
              const id = `ok-${index}`;
              events.push(buildValid(spec, id, now));
              validIds.push(id);
            }
          });

          const answer: IngestAnswer = await postEvents(events);
          const summary = () => JSON.stringify(answer.body);
          expect(answer.status, summary()).toBe(validIds.length > 0 ? 200 : 400);
          expect(
            (answer.body.rejected ?? []).map((r) => r.index),
            summary(),
          ).toEqual(rejectedIndexes);
          expect(answer.body.accepted, summary()).toBe(validIds.length);
          expect(answer.body.duplicates, summary()).toBe(0);
          for (const r of answer.body.rejected ?? []) {
            if (reusedIndexes.has(r.index))
              expect(r.reason, summary()).toContain("id: already used for a different event");
          }

          // Every valid event stored once, nothing else.
          expect(await countOf(`SELECT count(*)::int AS n FROM reload_event`)).toBe(validIds.length);
          expect(
            await countOf(`SELECT count(*)::int AS n FROM reload_event WHERE id = ANY($1::text[])`, validIds),
          ).toBe(validIds.length);
          // Nothing of a rejected event: no row, no service, instance, reload or state born of it.
          expect(await countOf(`SELECT count(*)::int AS n FROM reload_event WHERE id LIKE 'rej-%'`)).toBe(0);
          expect(await sql(`SELECT name FROM service WHERE name LIKE 'rej-%'`)).toEqual([]);
          expect(await sql(`SELECT instance_key FROM instance WHERE instance_key LIKE 'rej-%'`)).toEqual([]);
          expect(await sql(`SELECT reload_id FROM reload WHERE reload_id LIKE 'rej-%'`)).toEqual([]);
          expect(
            await countOf(
              `SELECT count(*)::int AS n FROM instance_state WHERE version = 'v9' OR last_reload_id LIKE 'rej-%'`,
            ),
          ).toBe(0);
          // A reused id keeps the content of the event that first used it.
          for (const [id, original] of reused) {
            const rows = await sql<{ phase: string; service: string }>(
              `SELECT e.phase, s.name AS service FROM reload_event e JOIN service s ON s.id = e.service_id WHERE e.id = $1`,
              id,
            );
            expect(rows).toEqual([{ phase: original.phase, service: original.service }]);
          }
        }),
        settings(100),
      );
    },
    TEST_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------
// (c) arrival order does not matter

type Outcome = "acked" | "nacked" | "failed" | "silent" | "rolled_back" | "absent";
interface Scenario {
  outcomes: Outcome[];
  /** per instance, seconds after dispatch before it receives the reload */
  delays: number[];
  explicitTargets: boolean;
  heartbeats: boolean;
  /** the first instance's later heartbeat reports a version no reload set (an out-of-band change) */
  outOfBand: boolean;
}

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 4 }).chain((instances) =>
  fc.record({
    outcomes: fc.array(
      fc.constantFrom<Outcome>("acked", "acked", "nacked", "failed", "silent", "rolled_back", "absent"),
      {
        minLength: instances,
        maxLength: instances,
      },
    ),
    delays: fc.array(fc.integer({ min: 0, max: 90 }), { minLength: instances, maxLength: instances }),
    explicitTargets: fc.boolean(),
    heartbeats: fc.boolean(),
    outOfBand: fc.boolean(),
  }),
);

/** The events of one reload of `config/routes.yaml` from v1 to v2 over a few instances; every event has its own instant. */
function scenarioEvents(s: Scenario, now: number, tag: string): Record<string, unknown>[] {
  const t0 = now - 11 * 60_000; // inside RELOAD_TIMEOUT_SECONDS (900) of now, far from any deadline
  const instances = s.outcomes.map((_, i) => `inst-${i}`);
  const events: Record<string, unknown>[] = [];
  let seq = 0;
  const add = (fields: Record<string, unknown>, atMs: number) => {
    // The sequence number keeps instants distinct even where two offsets coincide.
    events.push({
      id: `${tag}-${++seq}`,
      environment: "prod",
      namespace: "order",
      service: "checkout-api",
      kind: "config",
      resource: "routes.yaml",
      labels: { region: "eu-west-1" },
      occurredAt: new Date(t0 + atMs + seq).toISOString(),
      ...fields,
    });
  };
  const reload = { reloadId: "rl-order", fromVersion: "v1", toVersion: "v2", initiator: "person:sam" };
  if (s.heartbeats) instances.forEach((instance) => add({ instance, phase: "heartbeat", toVersion: "v1" }, -60_000));
  add({ ...reload, instance: null, phase: "requested" }, 0);
  add({ ...reload, instance: null, phase: "approved" }, 5_000);
  add({ ...reload, instance: null, phase: "dispatched", ...(s.explicitTargets ? { targets: instances } : {}) }, 10_000);
  s.outcomes.forEach((outcome, i) => {
    const instance = instances[i]!;
    const start = 20_000 + s.delays[i]! * 1000 + i * 100;
    let running = "v1";
    if (outcome === "absent") return;
    add({ ...reload, instance, phase: "received" }, start);
    if (outcome === "acked" || outcome === "rolled_back") {
      add({ ...reload, instance, phase: "applied", durationMs: 180 }, start + 1_000);
      add({ ...reload, instance, phase: "acked" }, start + 2_000);
      running = "v2";
    }
    if (outcome === "nacked")
      add({ ...reload, instance, phase: "nacked", error: `inst-${i}: schema mismatch` }, start + 1_000);
    if (outcome === "failed")
      add({ ...reload, instance, phase: "failed", error: `inst-${i}: parse error` }, start + 1_000);
    if (outcome === "rolled_back") {
      add({ ...reload, instance, phase: "rolled_back", error: null }, start + 3_000);
      running = "v1";
    }
    // Later heartbeats, more than a minute after the instance's last reload event: the second
    // confirms the first (a presence interval when they arrive in order, ADR 0021), a precision
    // step (60 s) after it and within PRESENCE_GAP_SECONDS.
    if (s.heartbeats) {
      const version = s.outOfBand && i === 0 ? "v9" : running;
      add({ instance, phase: "heartbeat", toVersion: version }, 300_000 + i * 100);
      add({ instance, phase: "heartbeat", toVersion: version }, 400_000 + i * 100);
    }
  });
  return events;
}

const stateRows = () =>
  sql<Record<string, unknown>>(
    `SELECT i.instance_key, st.kind, st.resource, st.version, to_char(st.since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS since,
            st.last_phase, st.outcome, st.last_error, st.previous_version, st.changed_by_heartbeat
     FROM instance_state st JOIN instance i ON i.id = st.instance_id
     ORDER BY i.instance_key, st.kind, st.resource`,
  );
const reloadRows = () =>
  sql<Record<string, unknown>>(
    `SELECT reload_id, status, from_version, to_version, instances_targeted, instances_reporting, instances_succeeded,
            instances_nacked, instances_failed, instances_in_progress, instances_rolled_back, convergence_ms::text AS convergence_ms,
            to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS completed_at, last_error
     FROM reload ORDER BY reload_id`,
  );
const desiredRows = () =>
  sql<Record<string, unknown>>(
    `SELECT kind, resource, version, reload_id FROM desired_version ORDER BY kind, resource`,
  );
/**
 * The fleet at `at` as the replay folds it from stored events and presence intervals (ADR 0021),
 * with each pair's last heard time: liveness, whichever heartbeats became rows.
 */
async function replayedRows(at: Date) {
  const keys = new Map(
    (await sql<{ id: number; instance_key: string }>(`SELECT id, instance_key FROM instance`)).map((r) => [
      r.id,
      r.instance_key,
    ]),
  );
  const { states } = await asViewer(() => getStatesAt(at, at));
  return states
    .map((st) => ({
      instance: keys.get(st.instanceId),
      kind: st.kind,
      resource: st.resource,
      version: st.version,
      since: st.since?.toISOString(),
      lastPhase: st.lastPhase,
      lastHeardAt: st.lastPhaseAt.toISOString(),
      outcome: st.outcome,
    }))
    .sort((a, b) => `${a.instance}/${a.resource}`.localeCompare(`${b.instance}/${b.resource}`));
}

/** A permutation of the scenario's events, and how they are cut into requests. */
const arrival = scenario.chain((s) => {
  const count = scenarioEvents(s, 0, "count").length;
  const indexes = Array.from({ length: count }, (_, i) => i);
  return fc.record({
    scenario: fc.constant(s),
    order: fc.shuffledSubarray(indexes, { minLength: count, maxLength: count }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: count }),
  });
});

async function postAll(batches: Record<string, unknown>[][]): Promise<void> {
  for (const batch of batches) {
    const answer = await postEvents(batch);
    // Every event of the scenario is valid: a rejection here would make the comparison meaningless.
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.rejected, JSON.stringify(answer.body)).toEqual([]);
  }
}

/** Posts the events as `arrival` says, then in chronological order one per request into an empty database; returns both read models. */
async function bothWays(a: { scenario: Scenario; order: number[]; batchSizes: number[] }) {
  const now = Date.now();
  const events = scenarioEvents(a.scenario, now, "ord");
  const permuted = a.order.map((i) => events[i]!);
  const batches: Record<string, unknown>[][] = [];
  for (let at = 0, b = 0; at < permuted.length; b++) {
    const size = a.batchSizes[b % a.batchSizes.length]!;
    batches.push(permuted.slice(at, at + size));
    at += size;
  }
  // After every event, before any deadline: the replay's instant, the same for both.
  const replayAt = new Date(now - 60_000);
  await truncateAll();
  await postAll(batches);
  const arrived = {
    states: await stateRows(),
    reloads: await reloadRows(),
    desired: await desiredRows(),
    replayed: await replayedRows(replayAt),
  };

  await truncateAll();
  const chronological = [...events].sort((x, y) => Date.parse(String(x.occurredAt)) - Date.parse(String(y.occurredAt)));
  await postAll(chronological.map((e) => [e]));
  const inOrder = {
    states: await stateRows(),
    reloads: await reloadRows(),
    desired: await desiredRows(),
    replayed: await replayedRows(replayAt),
  };
  return { arrived, inOrder, batches: batches.map((b) => b.map((e) => `${e.phase}@${e.instance ?? "control"}`)) };
}

describe("property: arrival order of one reload's events", () => {
  test(
    "instance state (version, since, last phase, outcome, last error, how the version came) is the same in any order and batching",
    async () => {
      await fc.assert(
        fc.asyncProperty(arrival, async (a) => {
          const { arrived, inOrder, batches } = await bothWays(a);
          // One row per instance that sent anything (targets that never reported have none).
          const reporting = a.scenario.outcomes.filter((o) => o !== "absent" || a.scenario.heartbeats).length;
          expect(inOrder.states).toHaveLength(reporting);
          // The comparison covers a heartbeat-made change whenever the scenario has one.
          const first = inOrder.states.find((r) => r.instance_key === "inst-0");
          // (an instance that never got the reload sends no later heartbeat)
          const changed = a.scenario.heartbeats && a.scenario.outOfBand && a.scenario.outcomes[0] !== "absent";
          expect(first?.changed_by_heartbeat).toBe(changed ? true : first ? false : undefined);
          expect(arrived.states, `arrival: ${JSON.stringify(batches)}`).toEqual(inOrder.states);
          // Liveness too: the replay over events and presence intervals hears each pair last at the same instant.
          expect(arrived.replayed, `arrival: ${JSON.stringify(batches)}`).toEqual(inOrder.replayed);
          if (a.scenario.heartbeats && !["in_progress", "dispatching"].includes(String(inOrder.reloads[0]?.status))) {
            // In time order, once the reload is over, the confirming heartbeat is no event: it extended an interval.
            expect(await countOf(`SELECT count(*)::int AS n FROM presence_interval`)).toBeGreaterThan(0);
          }
        }),
        settings(30),
      );
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "the reload (status, counts, convergence) and the desired version are the same in any order and batching",
    async () => {
      await fc.assert(
        fc.asyncProperty(arrival, async (a) => {
          const { arrived, inOrder, batches } = await bothWays(a);
          expect(inOrder.reloads).toHaveLength(1);
          expect(arrived.reloads, `arrival: ${JSON.stringify(batches)}`).toEqual(inOrder.reloads);
          expect(arrived.desired, `arrival: ${JSON.stringify(batches)}`).toEqual(inOrder.desired);
        }),
        settings(30),
      );
    },
    TEST_TIMEOUT_MS,
  );
});
