// The reload timeline's reads, through events sent to the real ingest route: a 2,000-target
// reload assembles with every target (also silent ones), its diagnosis and a handful of
// rows; the /reloads page's filters and cursor pages; the matrix cells' reload links;
// spans of the reload's traces under their instances once the span table exists.
import { describe, expect, test } from "vitest";
import { sql } from "@/lib/db/client";
import { visibleRows } from "@/lib/domain/timeline-view";
import { parseReloadsPageParams } from "@/lib/reloads/list-params";
import { listReloads } from "@/lib/reloads/queries";
import { buildTimelineModel } from "@/lib/reloads/timeline-model";
import { lastReloadsForCells } from "@/lib/fleet/cell-reloads";
import { getReloadHeader, getReloadProgress, getReloadTimelineData } from "@/lib/reloads/timeline-queries";
import { event, postEvents } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();

const BASE = Date.now() - 30 * 60_000;
const at = (ms: number) => new Date(BASE + ms).toISOString();

async function send(events: Record<string, unknown>[]) {
  for (let i = 0; i < events.length; i += 2500) {
    const answer = await postEvents(events.slice(i, i + 2500));
    expect(answer.status).toBe(200);
    expect(answer.body.rejected).toEqual([]);
  }
}

async function keyOf(reloadId: string, service = "checkout-api"): Promise<string> {
  const [row] = await sql().query<{ key: string }[]>(
    `SELECT r.id::text AS key FROM reload r JOIN service s ON s.id = r.service_id WHERE r.reload_id = $1 AND s.name = $2`,
    reloadId,
    service,
  );
  return row!.key;
}

describe("a reload across 2,000 instances", () => {
  test("assembles every target's lane, the diagnosis of those that did not converge, and few rows", async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `pod-${String(i).padStart(4, "0")}`);
    const common = {
      reloadId: "rl-big",
      kind: "config",
      resource: "routes.yaml",
      fromVersion: "v1",
      toVersion: "v2",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    };
    const events: Record<string, unknown>[] = [
      event({ ...common, instance: null, phase: "requested", initiator: "pipeline:deploy", occurredAt: at(0) }),
      event({ ...common, instance: null, phase: "dispatched", targets: names, occurredAt: at(1000) }),
    ];
    names.forEach((name, i) => {
      if (i >= 1990) return; // ten targets never report
      const t = 1000 + 100 + (i % 50) * 10;
      if (i >= 1980) {
        // ten NACK one way: received, parsed, nacked with an error that differs only in numbers and quotes
        events.push(event({ ...common, instance: name, phase: "received", occurredAt: at(t) }));
        events.push(event({ ...common, instance: name, phase: "parsed", occurredAt: at(t + 5) }));
        events.push(
          event({
            ...common,
            instance: name,
            phase: "nacked",
            error: `line ${i}: unknown field "f${i}"`,
            occurredAt: at(t + 9),
          }),
        );
        return;
      }
      events.push(event({ ...common, instance: name, phase: "received", occurredAt: at(t) }));
      events.push(event({ ...common, instance: name, phase: "applied", durationMs: 40, occurredAt: at(t + 20) }));
      // pod-1234 acks last: it is where the critical path ends
      events.push(
        event({ ...common, instance: name, phase: "acked", occurredAt: at(name === "pod-1234" ? 9000 : t + 80) }),
      );
    });
    await send(events);

    const key = await keyOf("rl-big");
    const data = (await asViewer(() => getReloadTimelineData(key)))!;
    expect(data.targets).toHaveLength(2000);
    expect(data.events).toHaveLength(events.length);
    // events come in time order
    const times = data.events.map((e) => e.occurredAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const model = buildTimelineModel(data, new Date());
    const { timeline, diagnosis } = model;
    expect(timeline.instances).toHaveLength(2000);
    expect(timeline.control.events.map((e) => e.phase)).toEqual(["requested", "dispatched"]);
    expect(timeline.instances.filter((l) => l.outcome === "pending").map((l) => l.key)).toEqual(names.slice(1990));
    expect(timeline.criticalPath.instance).toBe("pod-1234");
    expect(timeline.traceIds).toEqual([common.traceId]);
    expect(model.timeToAck.count).toBe(1980);
    expect(model.timeToAck.max).toBe(8000);
    expect(model.notAcked).toHaveLength(20);

    expect(diagnosis.byReason).toEqual([
      { reason: "never_received", cause: "delivery or propagation", count: 10 },
      { reason: "not_validated", cause: "schema mismatch or malformed payload", count: 10 },
    ]);
    expect(diagnosis.errorGroups).toHaveLength(1);
    expect(diagnosis.errorGroups[0]).toMatchObject({ pattern: "line ‹n›: unknown field ‹…›", count: 10 });

    const rows = visibleRows(timeline, {
      expandedGroups: new Set(),
      pinned: new Set([timeline.criticalPath.instance!, timeline.slowest!.instance]),
    });
    expect(rows.length).toBeLessThanOrEqual(8);
  });
});

describe("one reload's reads", () => {
  test("an unknown or malformed key is no reload; the header and progress read the reload row", async () => {
    // Two minutes ago: well inside RELOAD_TIMEOUT_SECONDS, so the reload is still in progress.
    const base = Date.now() - 120_000;
    const recent = (ms: number) => new Date(base + ms).toISOString();
    await send([
      event({ reloadId: "rl-1", instance: null, phase: "dispatched", toVersion: "v2", occurredAt: recent(0) }),
      event({ reloadId: "rl-1", phase: "received", toVersion: "v2", occurredAt: recent(10) }),
    ]);
    const key = await keyOf("rl-1");
    expect(await asViewer(() => getReloadTimelineData("999999"))).toBeNull();
    expect(await asViewer(() => getReloadTimelineData("abc"))).toBeNull();
    expect(await asViewer(() => getReloadTimelineData("-1"))).toBeNull();
    expect(await asViewer(() => getReloadHeader(key))).toEqual({
      key,
      reloadId: "rl-1",
      service: "checkout-api",
      environment: "prod",
    });
    expect(await asViewer(() => getReloadProgress(key))).toEqual({
      status: "in_progress",
      lastEventAt: recent(10),
      lastArrivalAt: expect.any(String),
      live: true,
    });
    expect(await asViewer(() => getReloadProgress("0"))).toBeNull();
  });

  test("an ended reload stays live while its last event arrived less than LIVE_SETTLE_MS ago (arrival, not event, time)", async () => {
    // The events happened two minutes ago but arrive now: the page must keep refreshing for
    // the events that follow the one that ended the reload.
    const base = Date.now() - 120_000;
    await send([
      event({
        reloadId: "rl-done",
        instance: null,
        phase: "dispatched",
        toVersion: "v2",
        targets: ["a-1"],
        occurredAt: new Date(base).toISOString(),
      }),
      event({
        reloadId: "rl-done",
        instance: "a-1",
        phase: "applied",
        toVersion: "v2",
        occurredAt: new Date(base + 10).toISOString(),
      }),
    ]);
    const key = await keyOf("rl-done");
    expect(await asViewer(() => getReloadProgress(key))).toMatchObject({ status: "succeeded", live: true });
    expect((await asViewer(() => getReloadTimelineData(key)))!.reload.live).toBe(true);
    // The same events, arrived long ago: no longer live.
    await sql().execute(
      `UPDATE reload_event SET received_at = received_at - interval '1 minute' WHERE reload_id = 'rl-done'`,
    );
    const settled = (await asViewer(() => getReloadProgress(key)))!;
    expect(settled).toMatchObject({ status: "succeeded", live: false });
    expect((await asViewer(() => getReloadTimelineData(key)))!.reload.live).toBe(false);
    // A late report with an earlier time does not move lastEventAt, but it moves the arrival
    // the live refresh compares, and makes the reload live again for the settle time.
    await send([
      event({
        reloadId: "rl-done",
        instance: "a-1",
        phase: "received",
        toVersion: "v2",
        occurredAt: new Date(base + 5).toISOString(),
      }),
    ]);
    const late = (await asViewer(() => getReloadProgress(key)))!;
    expect(late.lastEventAt).toBe(settled.lastEventAt);
    expect(late.lastArrivalAt).not.toBe(settled.lastArrivalAt);
    expect(late.live).toBe(true);
  });

  test("the same reloadId in another service is another reload: its events stay off this timeline", async () => {
    await send([
      event({ reloadId: "rl-shared", instance: "a-1", phase: "received", toVersion: "v2", occurredAt: at(0) }),
      event({
        reloadId: "rl-shared",
        service: "ledger",
        instance: "l-1",
        phase: "received",
        toVersion: "v2",
        occurredAt: at(0),
      }),
    ]);
    const data = (await asViewer(async () => getReloadTimelineData(await keyOf("rl-shared"))))!;
    expect(data.targets.map((t) => t.instance)).toEqual(["a-1"]);
    expect(data.events.map((e) => e.instance)).toEqual(["a-1"]);
  });

  test("spans of the reload's traces sit under their instance; a span naming another reload links to it", async () => {
    const trace = "0af7651916cd43dd8448eb211c80319c";
    await send([
      event({
        reloadId: "rl-span",
        instance: null,
        phase: "dispatched",
        toVersion: "v2",
        traceId: trace,
        occurredAt: at(0),
      }),
      event({
        reloadId: "rl-span",
        instance: "a-1",
        phase: "acked",
        toVersion: "v2",
        traceId: trace,
        occurredAt: at(100),
      }),
      event({ reloadId: "rl-other", instance: "a-1", phase: "received", toVersion: "v3", occurredAt: at(200) }),
    ]);
    const [svc] = await sql().query<{ id: number }[]>(`SELECT id FROM service WHERE name = 'checkout-api'`);
    const span = (
      spanId: string,
      parent: string | null,
      instance: string | null,
      from: number,
      to: number,
      status: number,
      reloadId: string | null,
    ) =>
      sql().execute(
        `INSERT INTO span (trace_id, span_id, parent_span_id, name, start_time, end_time, duration_ns, status_code, status_message, service_id, instance_key, reload_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        trace,
        spanId,
        parent,
        `op.${spanId}`,
        at(from),
        at(to),
        (to - from) * 1_000_000,
        status,
        status === 2 ? "it broke" : null,
        svc!.id,
        instance,
        reloadId,
      );
    await span("aaaaaaaaaaaaaaa1", null, "a-1", 10, 90, 0, "rl-span");
    await span("aaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaa1", "a-1", 20, 40, 2, "rl-other");
    await span("aaaaaaaaaaaaaaa3", null, "not-a-target", 5, 6, 0, null);
    const key = await keyOf("rl-span");
    const data = (await asViewer(() => getReloadTimelineData(key)))!;
    expect(data.spansTruncated).toBe(false);
    const { timeline } = buildTimelineModel(data, new Date());
    const lane = timeline.instances.find((l) => l.key === "a-1")!;
    expect(lane.spans.map((s) => [s.spanId, s.depth, s.error])).toEqual([
      ["aaaaaaaaaaaaaaa1", 0, false],
      ["aaaaaaaaaaaaaaa2", 1, true],
    ]);
    expect(lane.spans[0]!.reloadKey).toBe(key);
    expect(lane.spans[1]!.reloadKey).toBe(await keyOf("rl-other"));
    expect(timeline.control.spans.map((s) => s.spanId)).toEqual(["aaaaaaaaaaaaaaa3"]);
  });
});

describe("the /reloads page's list", () => {
  async function fill() {
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 7; i++) {
      const service = i % 2 === 0 ? "checkout-api" : "ledger";
      const environment = i < 5 ? "prod" : "staging";
      const common = {
        service,
        environment,
        reloadId: `rl-${i}`,
        kind: i % 3 === 0 ? "flags" : "config",
        resource: "r",
        toVersion: `v${i}`,
        initiator: i === 3 ? "person:ana" : "pipeline:deploy",
      };
      events.push(event({ ...common, instance: null, phase: "requested", occurredAt: at(i * 60_000) }));
      if (i !== 6)
        events.push(
          event({
            ...common,
            instance: `${service}-1`,
            phase: i === 4 ? "nacked" : "acked",
            error: i === 4 ? "no" : null,
            occurredAt: at(i * 60_000 + 1000),
          }),
        );
    }
    await send(events);
  }
  const page = async (query: string) => {
    const parsed = parseReloadsPageParams(Object.fromEntries(new URLSearchParams(query)));
    if (!parsed.ok) throw new Error(parsed.message);
    return asViewer(() => listReloads(parsed.filters));
  };

  test("pages newest first with a cursor, every reload once", async () => {
    await fill();
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 10; n++) {
      const result: Awaited<ReturnType<typeof listReloads>> = await page(`limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...result.items.map((r) => r.reloadId));
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(["rl-6", "rl-5", "rl-4", "rl-3", "rl-2", "rl-1", "rl-0"]);
  });

  test.each([
    ["service=ledger", ["rl-5", "rl-3", "rl-1"]],
    ["environment=staging", ["rl-6", "rl-5"]],
    ["kind=flags", ["rl-6", "rl-3", "rl-0"]],
    ["initiator=person%3Aana", ["rl-3"]],
    ["status=partially_failed,failed", ["rl-4"]],
    ["reloadId=rl-2", ["rl-2"]],
    [`from=${encodeURIComponent(at(2 * 60_000))}&to=${encodeURIComponent(at(4 * 60_000))}`, ["rl-3", "rl-2"]],
    ["service=ledger&environment=prod&status=", ["rl-3", "rl-1"]],
  ])("filter %s", async (query, expected) => {
    await fill();
    expect((await page(query)).items.map((r) => r.reloadId)).toEqual(expected);
  });

  test.each([
    ["status=done", "status"],
    ["from=yesterday", "from"],
    ["cursor=nope!", "cursor"],
    ["colour=red", "colour"],
    ["service=a&service=b", "service"],
  ])("a bad parameter (%s) is named, not ignored", (query, parameter) => {
    // As Next hands them over: a repeated parameter is an array.
    const params: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(query)) {
      const seen = params[name];
      params[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const parsed = parseReloadsPageParams(params);
    expect(parsed).toMatchObject({ ok: false, parameter });
  });
});

describe("matrix cells link to the reload that last changed them", () => {
  test("per service × kind × resource, the newest reload its instance states name, resolved within the service", async () => {
    await send([
      event({ reloadId: "rl-old", instance: "a-1", phase: "acked", toVersion: "v2", occurredAt: at(0) }),
      event({ reloadId: "rl-new", instance: "a-2", phase: "acked", toVersion: "v3", occurredAt: at(60_000) }),
      event({
        reloadId: "rl-new",
        service: "ledger",
        instance: "l-1",
        phase: "acked",
        toVersion: "v3",
        occurredAt: at(0),
      }),
      event({ instance: "a-3", phase: "heartbeat", toVersion: "v1", occurredAt: at(0) }),
      event({ instance: "a-3", resource: "other.yaml", phase: "heartbeat", toVersion: "v1", occurredAt: at(0) }),
    ]);
    const ids = await sql().query<{ id: number; name: string }[]>(`SELECT id, name FROM service ORDER BY name`);
    const byName = Object.fromEntries(ids.map((r) => [r.name, r.id]));
    const links = await asViewer(() => lastReloadsForCells(ids.map((r) => r.id)));
    expect(links).toEqual({
      [`${byName["checkout-api"]}\u0000config\u0000routes.yaml`]: { key: await keyOf("rl-new"), reloadId: "rl-new" },
      [`${byName.ledger}\u0000config\u0000routes.yaml`]: { key: await keyOf("rl-new", "ledger"), reloadId: "rl-new" },
    });
    expect(
      await asViewer(() =>
        lastReloadsForCells(
          ids.map((r) => r.id),
          "flags",
        ),
      ),
    ).toEqual({});
    expect(await asViewer(() => lastReloadsForCells([]))).toEqual({});
  });
});
