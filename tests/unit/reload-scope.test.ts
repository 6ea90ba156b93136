import { describe, expect, test } from "vitest";
import {
  deriveReloadStatus,
  emptyFacts,
  foldReloadFacts,
  reloadDeadline,
  reloadScope,
  type ReloadFacts,
} from "@/lib/domain/reload-status";
import { at, countsOf, domainEvent } from "./helpers";

// DESIGN.md "Scope": a reload's targets are the instances its dispatched event names (a
// list, or a count), else the live instances reporting the resource when it starts; an
// instance that reports without being a target is counted too.
describe("reloadScope (M of N of M)", () => {
  test.each<[string, number | null, number, number, number]>([
    ["a count alone", 20, 0, 0, 20],
    ["a list of 5 (no count)", null, 5, 0, 5],
    ["a list of 5 with its count", 5, 5, 0, 5],
    ["the live instances when nothing was named", null, 4, 0, 4],
    ["nothing known", null, 0, 0, 0],
    ["only instances that reported on their own", null, 0, 3, 3],
    ["targets plus instances reporting outside them", 3, 3, 2, 5],
    ["a count larger than those heard from", 10, 0, 4, 10],
    ["a count smaller than those heard from", 2, 0, 4, 4],
    ["a list and outsiders beyond the count", 3, 3, 1, 4],
  ])("%s → %i", (_name, targetCount, targetedInstances, reportingOutsideTargets, m) => {
    expect(reloadScope({ targetCount, targetedInstances, reportingOutsideTargets })).toBe(m);
  });

  test("the scope decides when a reload is done: 1 ack of a 20-instance dispatch is in progress", () => {
    const events = [
      domainEvent({ phase: "dispatched", instance: null, occurredAt: at(0), targetCount: 20 }),
      domainEvent({ phase: "acked", instance: "i-1", toVersion: "v2", occurredAt: at(1) }),
    ];
    const facts = events.reduce<ReloadFacts | null>(foldReloadFacts, null)!;
    const reporting = countsOf(events).reporting;
    const m = reloadScope({ targetCount: 20, targetedInstances: 0, reportingOutsideTargets: reporting });
    expect(m).toBe(20);
    expect(deriveReloadStatus(facts, countsOf(events, m), at(2), 900_000)).toBe("in_progress");
    // Without a scope the one instance heard from is all there is.
    expect(deriveReloadStatus(facts, countsOf(events), at(2), 900_000)).toBe("succeeded");
  });
});

describe("reloadDeadline: the latest of requested, approved, dispatched, started, plus the timeout", () => {
  const base = emptyFacts("config", "routes.yaml", at(0));
  test.each<[string, Partial<ReloadFacts>, number, number]>([
    ["only the first event known", {}, 900_000, 900],
    ["only the first event known, later first event", { firstEventAt: at(40) }, 900_000, 940],
    ["from the request", { requestedAt: at(10) }, 900_000, 910],
    ["from the approval", { requestedAt: at(10), approvedAt: at(70) }, 900_000, 970],
    [
      "from the dispatch",
      { requestedAt: at(10), approvedAt: at(70), dispatchedAt: at(75), startedAt: at(75) },
      900_000,
      975,
    ],
    [
      "a late approval after the dispatch",
      { requestedAt: at(10), approvedAt: at(300), dispatchedAt: at(75), startedAt: at(75) },
      900_000,
      1200,
    ],
    [
      "from an instance's first report when nothing was dispatched",
      { requestedAt: at(10), startedAt: at(30) },
      900_000,
      930,
    ],
    [
      "a redispatch is not a step (dispatchedAt is the first)",
      { dispatchedAt: at(5), startedAt: at(5), lastEventAt: at(800) },
      900_000,
      905,
    ],
    [
      "rejection, failure, rollback and the last event do not move it",
      { requestedAt: at(10), rejectedAt: at(500), failedAt: at(600), rolledBackAt: at(700), lastEventAt: at(800) },
      900_000,
      910,
    ],
    ["a timeout of one minute", { requestedAt: at(10) }, 60_000, 70],
    ["a timeout of zero", { requestedAt: at(10) }, 0, 10],
  ])("%s", (_name, facts, timeoutMs, deadlineSeconds) => {
    expect(reloadDeadline({ ...base, ...facts }, timeoutMs)).toEqual(at(deadlineSeconds));
  });
});
