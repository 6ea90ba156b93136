import { describe, expect, test } from "vitest";
import { column, sqlParams } from "@/lib/db/sql-params";

describe("sqlParams", () => {
  test("an unnest list numbers its columns' array parameters in the order given, after those added before", () => {
    const q = sqlParams();
    const first = q.value("x", "text");
    const k = q.unnest({
      id: column.int([1, 2]),
      name: column.text(["a", null]),
      at: column.timestamptz([new Date("2026-01-02T03:04:05.678Z"), null]),
    });
    const after = q.value(60_000);
    expect(first).toBe("$1::text");
    expect(k.call).toBe("unnest($2::int[], $3::text[], $4::timestamptz[])");
    expect(k.names).toBe("id, name, at");
    expect(k.columns).toEqual(["id", "name", "at"]);
    expect(after).toBe("$5");
    expect(q.values).toEqual(["x", [1, 2], ["a", null], ["2026-01-02T03:04:05.678Z", null], 60_000]);
  });

  test.each([
    [undefined, "unnest($1::bigint[], $2::jsonb[]) AS u(reload_key, labels)"],
    [{ ordinality: "n" }, "unnest($1::bigint[], $2::jsonb[]) WITH ORDINALITY AS u(reload_key, labels, n)"],
  ])("as(alias, %o)", (options, expected) => {
    const u = sqlParams().unnest({ reload_key: column.bigint(["12"]), labels: column.jsonb(['{"a":"b"}']) });
    expect(u.as("u", options)).toBe(expected);
  });

  test("a column's parameter can be named again (id = ANY(…))", () => {
    const q = sqlParams();
    const u = q.unnest({ id: column.int([7]), last_at: column.timestamptz(["2026-01-01 00:00:00.123456+00"]) });
    expect(u.param("id")).toBe("$1::int[]");
    expect(u.param("last_at")).toBe("$2::timestamptz[]");
    // timestamptz text (finer than a Date) goes as it is
    expect(q.values[1]).toEqual(["2026-01-01 00:00:00.123456+00"]);
  });

  test("two lists in one statement number on from each other", () => {
    const q = sqlParams();
    const a = q.unnest({ x: column.text(["a"]) });
    const b = q.unnest({ y: column.boolean([true]), z: column.float8([1.5]) });
    expect([a.call, b.call]).toEqual(["unnest($1::text[])", "unnest($2::boolean[], $3::float8[])"]);
  });

  test("columns of different lengths are refused rather than padded with nulls", () => {
    const uneven = () => sqlParams().unnest({ a: column.int([1, 2]), b: column.text(["x"]) });
    expect(uneven).toThrow(/column b has 1 values, not 2/);
  });

  test("an unnest list needs a column", () => {
    expect(() => sqlParams().unnest({})).toThrow(/needs a column/);
  });
});
