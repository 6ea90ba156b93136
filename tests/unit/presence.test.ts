// The pure parts of the history rules (lib/domain/presence.ts): which of a batch's heartbeats
// may extend an interval, and the heartbeats an interval stands for in a fold.
import { describe, expect, test } from "vitest";
import { intervalHeartbeats, presenceRuns } from "@/lib/domain/presence";
import type { ReloadEventInput } from "@/lib/domain/types";
import { domainEvent } from "./helpers";

const BASE = Date.UTC(2026, 11, 7, 10, 0, 0);
const t = (s: number) => new Date(BASE + s * 1000);

/** A heartbeat of api's `instance` on app.yaml v1, `s` seconds after BASE. */
function hb(instance: string, s: number, fields: Partial<ReloadEventInput> = {}): ReloadEventInput {
  return domainEvent({
    id: `${instance}-${s}`,
    reloadId: null,
    namespace: "",
    service: "api",
    instance,
    resource: "app.yaml",
    phase: "heartbeat",
    toVersion: "v1",
    occurredAt: t(s),
    ...fields,
  });
}

const GAP = 120_000;
const runsOf = (events: ReloadEventInput[]) =>
  presenceRuns(events, GAP).map((r) => [
    r.instance,
    r.version,
    r.from.getTime() - BASE,
    r.to.getTime() - BASE,
    r.positions,
  ]);

describe("presenceRuns", () => {
  test.each([
    [
      "plain heartbeats of one version, one run per pair",
      [hb("a", 0), hb("b", 5), hb("a", 15)],
      [
        ["a", "v1", 0, 15_000, [0, 2]],
        ["b", "v1", 5_000, 5_000, [1]],
      ],
    ],
    [
      "a pair with two versions in the batch is history",
      [hb("a", 0), hb("a", 15, { toVersion: "v2" }), hb("b", 0)],
      [["b", "v1", 0, 0, [2]]],
    ],
    [
      "a pair with a reload's event in the batch is history",
      [hb("a", 0), hb("a", 5, { phase: "acked", reloadId: "r" }), hb("b", 0)],
      [["b", "v1", 0, 0, [2]]],
    ],
    ["a heartbeat without a version is history", [hb("a", 0, { toVersion: null })], []],
    ["a heartbeat naming a reload is history", [hb("a", 0, { reloadId: "r" })], []],
    ["a silence longer than the gap inside the batch is history", [hb("a", 0), hb("a", 121)], []],
    ["exactly the gap is one run", [hb("a", 0), hb("a", 120)], [["a", "v1", 0, 120_000, [0, 1]]]],
    ["a batch across a UTC midnight is history", [hb("a", 14 * 3600 - 5), hb("a", 14 * 3600 + 5)], []],
    [
      "control events (no instance) are not pairs",
      [hb("a", 0), { ...hb("x", 0), instance: null, phase: "requested" as const }],
      [["a", "v1", 0, 0, [0]]],
    ],
  ] as const)("%s", (_name, events, expected) => {
    expect(runsOf([...events] as ReloadEventInput[])).toEqual(expected);
  });
});

describe("intervalHeartbeats", () => {
  const interval = { version: "v1", firstHeardAt: t(0), lastHeardAt: t(600) };
  test.each([
    ["the whole interval: its first and last heard times", null, 1000, [0, 600]],
    ["cut at upTo: the pair was heard through it", null, 300, [0, 300]],
    ["after its start: only the later bound", 100, 1000, [600]],
    ["after its end: nothing", 600, 1000, []],
    ["before its start: nothing", null, -1, []],
  ] as const)("%s", (_name, after, upTo, expected) => {
    const out = intervalHeartbeats([interval], after === null ? null : t(after), t(upTo)).map(
      (h) => (h.at.getTime() - BASE) / 1000,
    );
    expect(out).toEqual(expected);
  });
  test("a one-report interval is one heartbeat", () => {
    expect(
      intervalHeartbeats([{ version: "v1", firstHeardAt: t(5), lastHeardAt: t(5) }], null, t(10)).map((h) => h.at),
    ).toEqual([t(5)]);
  });
});
