import { describe, expect, test } from "vitest";
import { compareWithAnchors, formatAnchorLine, parseAnchorLines } from "@/lib/domain/audit-anchor";

const h = (c: string) => c.repeat(64);
/** An anchor of entry `id` whose hash is `c` 64 times. */
const anchor = (id: string, c: string) => ({ id, hash: h(c) });

describe("anchor lines", () => {
  test("a written line parses back to the same anchor; only id, hash and time are in it", () => {
    const line = formatAnchorLine({ id: "42", hash: h("a") }, new Date("2026-12-07T10:00:00.000Z"));
    expect(line.endsWith("\n")).toBe(true);
    expect(JSON.parse(line)).toEqual({ at: "2026-12-07T10:00:00.000Z", id: "42", hash: h("a") });
    expect(parseAnchorLines(line)).toEqual({
      anchors: [{ id: "42", hash: h("a"), at: "2026-12-07T10:00:00.000Z" }],
      unreadable: [],
    });
  });

  test("lines from several files or a log store mix; blank lines are skipped, others that are not anchors are named by number", () => {
    const text = [
      formatAnchorLine({ id: "1", hash: h("a") }, new Date(0)).trim(),
      "",
      '{"id":"x","hash":"' + h("b") + '"}',
      '{"id":"3","hash":"short"}',
      "not json",
      '{"id":"9007199254740993","hash":"' + h("c") + '"}',
      '{"id":"5","hash":"' + h("d"), // a line cut by a crash mid-write
    ].join("\n");
    const parsed = parseAnchorLines(text);
    expect(parsed.anchors.map((a) => a.id)).toEqual(["1", "9007199254740993"]);
    expect(parsed.unreadable).toEqual([3, 4, 5, 7]);
  });
});

describe("compareWithAnchors", () => {
  const stored = new Map([
    ["1", h("a")],
    ["2", h("b")],
    ["4", h("d")],
  ]);

  test("every anchored entry present with its hash, the head at or past the newest anchor: no problems", () => {
    expect(compareWithAnchors([anchor("2", "b"), anchor("4", "d")], stored, "4")).toEqual([]);
    expect(compareWithAnchors([{ id: "2", hash: h("b") }], stored, "4")).toEqual([]);
    expect(compareWithAnchors([], stored, "4")).toEqual([]);
  });

  test("an anchor past the head: the newest entries were deleted, said once, after the head", () => {
    const anchors = [
      { id: "6", hash: h("f") },
      { id: "7", hash: h("e") },
      { id: "2", hash: h("b") },
    ];
    expect(compareWithAnchors(anchors, stored, "4")).toEqual([
      {
        kind: "deleted",
        id: "7",
        message: `entries after #4 were deleted: the anchor records #7 (${h("e").slice(0, 12)}…)`,
      },
    ]);
  });

  test("an empty log with anchors: every entry was deleted", () => {
    expect(compareWithAnchors([{ id: "3", hash: h("c") }], new Map(), null)).toEqual([
      { kind: "deleted", id: "3", message: `every entry was deleted: the anchor records #3 (${h("c").slice(0, 12)}…)` },
    ]);
  });

  test("an anchored entry missing below the head, or stored with another hash", () => {
    expect(compareWithAnchors([anchor("3", "c"), anchor("2", "x")], stored, "4")).toEqual([
      {
        kind: "rewritten",
        id: "2",
        message: `entry #2 does not match its anchor: stored ${h("b").slice(0, 12)}…, anchored ${h("x").slice(0, 12)}…`,
      },
      { kind: "missing", id: "3", message: "entry #3 was anchored and is missing" },
    ]);
  });

  test("ids compare as numbers, not text", () => {
    const big = new Map([["10", h("a")]]);
    expect(compareWithAnchors([{ id: "9", hash: h("b") }], big, "10")).toEqual([
      { kind: "missing", id: "9", message: "entry #9 was anchored and is missing" },
    ]);
  });
});
