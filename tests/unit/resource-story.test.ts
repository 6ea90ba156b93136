import { describe, expect, test } from "vitest";
import { mergeStory, outOfBandChanges, storyCounts, type StoryItem } from "@/lib/domain/resource-story";

const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 14, 0, s));
const reload = (key: string, s: number): StoryItem => ({
  type: "reload",
  at: at(s),
  key,
  reloadId: `rl-${key}`,
  status: "succeeded",
  fromVersion: "v1",
  toVersion: "v2",
  initiator: null,
  failedInstances: 0,
  lastError: null,
});
const request = (id: string, s: number): StoryItem => ({
  type: "request",
  at: at(s),
  id,
  action: "reload",
  status: "dispatched",
  fromVersion: "v1",
  toVersion: "v2",
  reason: "why",
  requestedBy: "olga",
});
const alert = (id: string, s: number): StoryItem => ({
  type: "alert",
  at: at(s),
  id,
  rule: "drift",
  severity: "warning",
  state: "firing",
  summary: "drifts",
  resolvedAt: null,
});
const change = (instanceKey: string, s: number): StoryItem => ({
  type: "version",
  at: at(s),
  instanceKey,
  fromVersion: "v2",
  toVersion: "v3",
});
const names = (items: StoryItem[]) =>
  items.map((i) => `${i.type}:${i.type === "version" ? i.instanceKey : i.type === "reload" ? i.key : i.id}`);

describe("mergeStory", () => {
  test("newest first across kinds", () => {
    const { items, more } = mergeStory([reload("1", 10), alert("7", 30), change("o-2", 40), request("3", 5)], 10);
    expect(names(items)).toEqual(["version:o-2", "alert:7", "reload:1", "request:3"]);
    expect(more).toBe(false);
  });

  test("at one instant, the effect above its cause: alert, version change, reload, request", () => {
    const { items } = mergeStory([request("3", 10), reload("1", 10), alert("7", 10), change("o-2", 10)], 10);
    expect(names(items)).toEqual(["alert:7", "version:o-2", "reload:1", "request:3"]);
  });

  test("cut to the newest `limit`, saying there is more", () => {
    const { items, more } = mergeStory([reload("1", 1), reload("2", 2), reload("3", 3)], 2);
    expect(names(items)).toEqual(["reload:3", "reload:2"]);
    expect(more).toBe(true);
  });

  test("counts per kind", () => {
    expect(storyCounts([reload("1", 1), reload("2", 2), alert("3", 3)])).toEqual({
      reload: 2,
      alert: 1,
      request: 0,
      version: 0,
    });
  });
});

describe("outOfBandChanges", () => {
  test.each([
    [
      "a heartbeat naming another version than the report before it",
      { previous: "v2", version: "v3", reloadId: null },
      true,
    ],
    ["a reload's own move (in the reloads already)", { previous: "v1", version: "v2", reloadId: "rl-1" }, false],
    ["a first report: nothing known before it", { previous: null, version: "v1", reloadId: null }, false],
    ["a heartbeat repeating the version", { previous: "v2", version: "v2", reloadId: null }, false],
  ] as const)("%s → %s", (_what, report, isChange) => {
    const changes = outOfBandChanges([{ instanceKey: "o-1", at: at(1), ...report }]);
    expect(changes).toEqual(
      isChange
        ? [{ type: "version", at: at(1), instanceKey: "o-1", fromVersion: report.previous, toVersion: report.version }]
        : [],
    );
  });
});
