// The timeline pipeline: assembly (lanes, outcome from the stored phase, time to ack,
// critical path, slowest instance, groups, span nesting) and the view (rows, zoom, window).
import { describe, expect, test } from "vitest";
import { histogram, percentile } from "@/lib/domain/distribution";
import {
  assembleTimeline,
  CONTROL_LANE,
  type TimelineEventInput,
  type TimelineTargetInput,
} from "@/lib/domain/timeline";
import type { TimelineSpanInput } from "@/lib/domain/timeline-spans";
import {
  attributeRows,
  axisTicks,
  barPercent,
  dragView,
  formatOffset,
  fullView,
  laneLabel,
  panView,
  prefixOf,
  rowWindow,
  timeToFraction,
  viewFromParams,
  viewToParams,
  visibleRows,
  wholeView,
  workView,
  zoomView,
} from "@/lib/domain/timeline-view";
import type { Phase } from "@/lib/domain/types";
import { at } from "./helpers";

let seq = 0;
function ev(
  instance: string | null,
  phase: Phase,
  seconds: number,
  extra: Partial<TimelineEventInput> = {},
): TimelineEventInput {
  return {
    id: `e${++seq}`,
    instance,
    phase,
    occurredAt: at(seconds),
    receivedAt: at(seconds),
    durationMs: null,
    error: null,
    traceId: null,
    spanId: null,
    fromVersion: "v1",
    toVersion: "v2",
    initiator: null,
    attributes: {},
    ...extra,
  };
}
const target = (instance: string, phase: Phase | null, error: string | null = null): TimelineTargetInput => ({
  instance,
  targeted: true,
  phase,
  error,
});
const steps = (instance: string, from: number, phases: Phase[]) => phases.map((p, i) => ev(instance, p, from + i));

/** Control plane at 0 (requested) and 10 (dispatched); a, b, c succeed at different times; d NACKs; e never reports. */
function sample() {
  const events = [
    ev(null, "requested", 0),
    ev(null, "dispatched", 10),
    ...steps("a", 11, ["received", "parsed", "validated", "applied", "acked"]), // acked at 15
    ...steps("b", 12, ["received", "parsed", "validated", "applied", "acked"]), // acked at 16
    ...steps("c", 30, ["received", "parsed", "validated", "applied", "acked"]), // acked at 34: last success
    ...steps("d", 11, ["received", "parsed"]),
    ev("d", "nacked", 40, { error: "bad schema" }), // finishes last, but not a success
  ];
  const targets = [
    target("a", "acked"),
    target("b", "acked"),
    target("c", "acked"),
    target("d", "nacked", "bad schema"),
    target("e", null),
  ];
  return assembleTimeline({ reloadStart: at(10), targets, events, spans: [] });
}

describe("assembleTimeline", () => {
  const timeline = sample();

  test("times are relative to the earliest event; the reload starts at its dispatch", () => {
    expect(timeline.origin).toBe(at(0).toISOString());
    expect(timeline.reloadStartMs).toBe(10_000);
    expect(timeline.durationMs).toBe(40_000);
  });

  test("one lane per target, never-reporting targets included and last; the control plane apart", () => {
    expect(timeline.control.key).toBe(CONTROL_LANE);
    expect(timeline.control.events.map((e) => e.phase)).toEqual(["requested", "dispatched"]);
    expect(timeline.instances.map((l) => l.key)).toEqual(["a", "d", "b", "c", "e"]);
    expect(timeline.instances.find((l) => l.key === "e")).toMatchObject({
      outcome: "pending",
      events: [],
      startMs: null,
    });
  });

  test.each([
    ["a", "succeeded", 5_000],
    ["c", "succeeded", 24_000],
    ["d", "nacked", null],
    ["e", "pending", null],
  ] as const)("lane %s: outcome %s, time to ack %s", (key, outcome, timeToAck) => {
    const lane = timeline.instances.find((l) => l.key === key)!;
    expect(lane.outcome).toBe(outcome);
    expect(lane.timeToAckMs).toBe(timeToAck);
  });

  test("the critical path is the control plane up to the dispatch, then the last instance to succeed (not the last to finish)", () => {
    expect(timeline.criticalPath.instance).toBe("c");
    const lane = timeline.instances.find((l) => l.key === "c")!;
    expect(timeline.criticalPath.eventIds).toEqual([
      ...timeline.control.events.map((e) => e.id),
      ...lane.events.map((e) => e.id),
    ]);
  });

  test("with no success, the critical path ends at the last instance to finish", () => {
    const t = assembleTimeline({
      reloadStart: at(0),
      targets: [target("x", "failed"), target("y", "nacked")],
      events: [
        ev(null, "dispatched", 0),
        ev("x", "failed", 5, { error: "e" }),
        ev("y", "received", 1),
        ev("y", "nacked", 9, { error: "e" }),
      ],
      spans: [],
    });
    expect(t.criticalPath.instance).toBe("y");
  });

  test("the slowest instance took longest from its first report to its finish", () => {
    expect(timeline.slowest).toEqual({ instance: "d", durationMs: 29_000 });
  });

  test("lanes with the same phases and outcome are grouped", () => {
    const byKey = Object.fromEntries(timeline.groups.map((g) => [g.instances.join(","), g.outcome]));
    expect(byKey).toEqual({ "a,b,c": "succeeded", d: "nacked", e: "pending" });
  });

  test("the stored phase decides the outcome, not the last event (an event the ingest has not folded yet does not win)", () => {
    const t = assembleTimeline({
      reloadStart: at(0),
      targets: [target("a", "acked")],
      events: [ev("a", "acked", 1), ev("a", "received", 2)],
      spans: [],
    });
    expect(t.instances[0]!.outcome).toBe("succeeded");
  });

  test("an event with a duration is a bar, one without is a mark", () => {
    const t = assembleTimeline({
      reloadStart: at(0),
      targets: [target("a", "acked")],
      events: [ev("a", "applied", 1, { durationMs: 250 }), ev("a", "acked", 2)],
      spans: [],
    });
    expect(t.instances[0]!.events.map((e) => [e.startMs, e.endMs])).toEqual([
      [1000, 1250],
      [2000, 2000],
    ]);
  });

  test("equal times keep arrival order, then id", () => {
    const first = ev("a", "received", 1, { receivedAt: at(5) });
    const second = ev("a", "parsed", 1, { receivedAt: at(6) });
    const t = assembleTimeline({
      reloadStart: at(0),
      targets: [target("a", null)],
      events: [second, first],
      spans: [],
    });
    expect(t.instances[0]!.events.map((e) => e.phase)).toEqual(["received", "parsed"]);
  });
});

describe("spans", () => {
  const span = (
    spanId: string,
    parent: string | null,
    instance: string | null,
    from: number,
    to: number,
    extra: Partial<TimelineSpanInput> = {},
  ): TimelineSpanInput => ({
    traceId: "t1",
    spanId,
    parentSpanId: parent,
    name: `op-${spanId}`,
    instance,
    start: at(from),
    end: at(to),
    status: "unset",
    statusMessage: null,
    attributes: {},
    reloadKey: null,
    ...extra,
  });

  test("sit under their instance, depth-first with parents before children, errors flagged", () => {
    const t = assembleTimeline({
      reloadStart: at(0),
      targets: [target("a", "acked")],
      events: [ev("a", "acked", 3)],
      spans: [
        span("c2", "root", "a", 2, 3),
        span("root", null, "a", 1, 4),
        span("c1", "root", "a", 1.5, 2, { status: "error" }),
        span("g", "c1", "a", 1.6, 1.7),
        span("cp", null, null, 0, 1),
      ],
    });
    const lane = t.instances[0]!;
    expect(lane.spans.map((s) => [s.spanId, s.depth])).toEqual([
      ["root", 0],
      ["c1", 1],
      ["g", 2],
      ["c2", 1],
    ]);
    expect(lane.spans.find((s) => s.spanId === "c1")!.error).toBe(true);
    expect(t.control.spans.map((s) => s.spanId)).toEqual(["cp"]);
    expect(t.traceIds).toEqual(["t1"]);
  });

  test("a parent cycle or a missing parent does not hang or drop spans", () => {
    const t = assembleTimeline({
      reloadStart: at(0),
      targets: [target("a", null)],
      events: [],
      spans: [span("x", "y", "a", 1, 2), span("y", "x", "a", 1, 2), span("z", "missing", "a", 3, 4)],
    });
    // x and y are each other's parent: neither is a root, so only z shows; nothing loops.
    expect(t.instances[0]!.spans.map((s) => s.spanId)).toEqual(["z"]);
  });
});

describe("visible rows", () => {
  const timeline = sample();

  test("a group of three or more alike lanes folds into one row, at its first member's place; failed lanes come first", () => {
    const rows = visibleRows(timeline, { expandedGroups: new Set() });
    expect(
      rows.map((r) =>
        r.type === "lane" ? r.lane.key || "control" : r.type === "group" ? `group(${r.lanes.length})` : "span",
      ),
    ).toEqual(["control", "d", "group(3)", "e"]);
  });

  test("an expanded group shows its lanes, and the NACKed lane keeps its row (expanding never pushes it down)", () => {
    const signature = timeline.instances[0]!.signature;
    const rows = visibleRows(timeline, { expandedGroups: new Set([signature]) });
    expect(rows.filter((r) => r.type === "lane").map((r) => (r.type === "lane" ? r.lane.key : ""))).toEqual([
      "",
      "d",
      "a",
      "b",
      "c",
      "e",
    ]);
    const row = (list: typeof rows) => list.findIndex((r) => r.type === "lane" && r.lane.key === "d");
    expect(row(rows)).toBe(row(visibleRows(timeline, { expandedGroups: new Set() })));
  });

  test("pinned lanes (critical, slowest) stay out of their group; a group left below the minimum shows lane by lane", () => {
    const rows = visibleRows(timeline, { expandedGroups: new Set(), pinned: new Set(["c"]) });
    expect(rows.filter((r) => r.type === "group")).toHaveLength(0);
    const two = visibleRows(timeline, { expandedGroups: new Set(), pinned: new Set(["c"]), minGroupSize: 2 });
    expect(two.map((r) => r.type)).toEqual(["lane", "lane", "group", "lane", "lane"]);
  });

  test("2,000 alike instances are a handful of rows", () => {
    const events = [ev(null, "dispatched", 0)];
    const targets: TimelineTargetInput[] = [];
    for (let i = 0; i < 2000; i++) {
      const key = `i-${String(i).padStart(4, "0")}`;
      targets.push(target(key, i % 100 === 0 ? "nacked" : "acked"));
      events.push(
        ...steps(key, 1 + (i % 7), i % 100 === 0 ? ["received", "nacked"] : ["received", "applied", "acked"]),
      );
    }
    const t = assembleTimeline({ reloadStart: at(0), targets, events, spans: [] });
    const rows = visibleRows(t, {
      expandedGroups: new Set(),
      pinned: new Set([t.criticalPath.instance!, t.slowest!.instance]),
    });
    expect(t.instances).toHaveLength(2000);
    expect(rows.length).toBeLessThanOrEqual(6);
    expect(
      rows.filter((r) => r.type === "group").reduce((n, r) => n + (r.type === "group" ? r.lanes.length : 0), 0),
    ).toBeGreaterThanOrEqual(1998);
  });

  test("a trace filter keeps only that trace's span rows", () => {
    const t = assembleTimeline({
      reloadStart: at(0),
      targets: [target("a", null)],
      events: [],
      spans: ["t1", "t2"].map((traceId) => ({
        traceId,
        spanId: "s",
        parentSpanId: null,
        name: "n",
        instance: "a",
        start: at(1),
        end: at(2),
        status: "ok" as const,
        statusMessage: null,
        attributes: {},
        reloadKey: null,
      })),
    });
    expect(visibleRows(t, { expandedGroups: new Set() }).filter((r) => r.type === "span")).toHaveLength(2);
    const only = visibleRows(t, { expandedGroups: new Set(), traceId: "t2" }).filter((r) => r.type === "span");
    expect(only.map((r) => (r.type === "span" ? r.span.traceId : ""))).toEqual(["t2"]);
  });
});

describe("view", () => {
  test.each([
    [0, { startMs: 0, endMs: 100 }, 0],
    [50, { startMs: 0, endMs: 100 }, 0.5],
    [150, { startMs: 100, endMs: 200 }, 0.5],
    [50, { startMs: 100, endMs: 200 }, -0.5],
  ])("timeToFraction(%s, %o) = %s", (ms, view, expected) => {
    expect(timeToFraction(ms, view)).toBeCloseTo(expected);
  });

  test.each([
    [10, 20, { left: 10, width: 10 }],
    [-50, 20, { left: 0, width: 20 }],
    [90, 500, { left: 90, width: 10 }],
    [200, 300, null],
    [-20, -10, null],
  ])("barPercent(%s, %s) in 0..100", (start, end, expected) => {
    const bar = barPercent(start, end, { startMs: 0, endMs: 100 });
    if (expected === null) expect(bar).toBeNull();
    else {
      expect(bar!.left).toBeCloseTo(expected.left);
      expect(bar!.width).toBeCloseTo(expected.width);
    }
  });

  test("zoom stays inside the whole timeline and keeps the anchor; pan stops at the edges", () => {
    const whole = fullView({ durationMs: 1000 });
    const zoomed = zoomView(whole, 0.5, 0.5, whole);
    expect(zoomed).toEqual({ startMs: 250, endMs: 750 });
    expect(zoomView(zoomed, 10, 0.5, whole)).toEqual(whole);
    expect(zoomView(whole, 0.1, 0, whole)).toEqual({ startMs: 0, endMs: 100 });
    expect(panView(zoomed, 1, whole)).toEqual({ startMs: 500, endMs: 1000 });
    expect(panView(zoomed, -5, whole)).toEqual({ startMs: 0, endMs: 500 });
  });

  test.each([
    [0, 0, { first: 0, end: 0 }],
    [1000, 0, { first: 0, end: 30 }],
    [1000, 2600, { first: 92, end: 130 }],
    [1000, 1e9, { first: 1000, end: 1000 }],
    [10, -50, { first: 0, end: 10 }],
  ])("rowWindow(%s rows, scrollTop %s)", (count, scrollTop, expected) => {
    expect(rowWindow(count, scrollTop, 560, 26, 8)).toEqual(expected);
  });
});

describe("histogram and percentile", () => {
  test("bins have a round width and count every value once", () => {
    const bins = histogram([0, 120, 180, 950, 1000], 10);
    expect(bins[0]!.toMs - bins[0]!.fromMs).toBe(100);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(5);
    expect(bins.find((b) => b.fromMs === 100)!.count).toBe(2);
    expect(histogram([], 10)).toEqual([]);
  });

  test.each([
    [[], 50, null],
    [[5], 95, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 10],
  ])("percentile(%o, %s) = %s", (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe("the window fitted to the work", () => {
  // requested at 0, dispatched at 300 s (five minutes waiting for approval), acks by 304 s
  const approved = assembleTimeline({
    reloadStart: at(300),
    targets: [target("a", "acked"), target("b", "acked")],
    events: [
      ev(null, "requested", 0),
      ev(null, "approved", 290),
      ev(null, "dispatched", 300),
      ...steps("a", 301, ["received", "applied", "acked"]),
      ...steps("b", 302, ["received", "applied"]),
    ],
    spans: [],
  });

  test("the default view is dispatch → last report; request and approval are the prefix", () => {
    expect(workView(approved)).toEqual({ startMs: 300_000, endMs: 303_000 });
    expect(prefixOf(approved)).toEqual({ startMs: 0, endMs: 300_000, phases: ["requested", "approved"] });
    expect(wholeView(approved)).toEqual({ startMs: 0, endMs: 303_000 });
  });

  test("a reload pending approval: no prefix, a view that is not zero wide, and ticks that differ", () => {
    const pending = assembleTimeline({
      reloadStart: at(0),
      targets: [],
      events: [ev(null, "requested", 0)],
      spans: [],
    });
    const view = workView(pending);
    expect(prefixOf(pending)).toBeNull();
    expect(view.endMs - view.startMs).toBeGreaterThan(0);
    const labels = axisTicks(view, pending.reloadStartMs).map((t) => t.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).not.toContain("+1 ms");
  });

  test("an instance report before the dispatch (clock skew) is inside the default view", () => {
    const skewed = assembleTimeline({
      reloadStart: at(10),
      targets: [target("a", "acked")],
      events: [ev(null, "dispatched", 10), ...steps("a", 9, ["received", "acked"])],
      spans: [],
    });
    expect(workView(skewed).startMs).toBe(skewed.instances[0]!.startMs);
  });

  test.each([
    ["a 4 s window", { startMs: 300_000, endMs: 304_000 }, 300_000, ["+0 s", "+1 s", "+2 s", "+3 s", "+4 s"]],
    ["a 25 ms window", { startMs: 0, endMs: 25 }, 0, ["+0 ms", "+10 ms", "+20 ms"]],
    ["the whole of a 5-minute wait", { startMs: 0, endMs: 304_000 }, 300_000, ["−4m", "−2m", "+0 s"]],
    ["1.2 s with an offset origin", { startMs: 1_000, endMs: 2_200 }, 1_000, ["+0 ms", "+500 ms", "+1.0 s"]],
  ])("axis ticks of %s", (_label, view, start, labels) => {
    const ticks = axisTicks(view, start);
    expect(ticks.map((t) => t.label)).toEqual(labels);
    for (const t of ticks) expect(t.fraction).toBeGreaterThanOrEqual(0);
    for (const t of ticks) expect(t.fraction).toBeLessThanOrEqual(1);
  });

  test.each([
    [1_250, 250, "+1.25 s"],
    [-300_000, 60_000, "−5m"],
    [90_000, 30_000, "+1m 30s"],
    [7, 1, "+7 ms"],
  ])("formatOffset(%i, step %i) = %s", (ms, step, text) => {
    expect(formatOffset(ms, step)).toBe(text);
  });

  test.each([
    ["a drag left to right", 0.25, 0.75, { startMs: 301_000, endMs: 303_000 }],
    ["a drag right to left is the same range", 0.75, 0.25, { startMs: 301_000, endMs: 303_000 }],
    ["a click is not a zoom", 0.5, 0.502, null],
    ["past the track's end is clipped", 0.5, 1.4, { startMs: 302_000, endMs: 304_000 }],
  ])("drag to zoom: %s", (_label, a, b, expected) => {
    expect(dragView({ startMs: 300_000, endMs: 304_000 }, a, b, { startMs: 0, endMs: 304_000 })).toEqual(expected);
  });

  test("the zoom goes into the URL as epoch ms and comes back; bad or outside values are ignored", () => {
    const origin = approved.originEpochMs;
    const whole = wholeView(approved);
    const view = { startMs: 300_500, endMs: 302_000 };
    const params = viewToParams(view, origin);
    expect(params).toEqual({ from: origin + 300_500, to: origin + 302_000 });
    expect(viewFromParams(String(params.from), String(params.to), origin, whole)).toEqual(view);
    expect(viewFromParams(String(origin - 5_000), String(origin + 1_000_000), origin, whole)).toEqual(whole);
    expect(viewFromParams("12x", String(params.to), origin, whole)).toBeNull();
    expect(viewFromParams(String(params.to), String(params.from), origin, whole)).toBeNull();
    expect(viewFromParams(null, null, origin, whole)).toBeNull();
  });

  test.each([
    ["checkout-api-7d9f5c8b6-x2k1q", 20, "checko…9f5c8b6-x2k1q"],
    ["chat-7d9f5c8b6-x2k1q-worker-000017", 24, "chat-7d9…q-worker-000017"],
    ["short-id", 20, "short-id"],
  ])("a lane name keeps the unique tail: %s", (key, max, label) => {
    expect(laneLabel(key, max)).toBe(label);
    expect(laneLabel(key, max).length).toBeLessThanOrEqual(Math.max(max, key.length));
  });

  test("attributes read as key/value rows, nested keys dotted", () => {
    expect(
      attributeRows({ "config.hash": "sha256:ab", retry: { count: 2, last: true }, hosts: ["a", "b"], empty: null }),
    ).toEqual([
      ["config.hash", "sha256:ab"],
      ["empty", "—"],
      ["hosts", "a, b"],
      ["retry.count", "2"],
      ["retry.last", "true"],
    ]);
  });
});
