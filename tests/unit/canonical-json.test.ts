import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { canonicalJson } from "@/lib/domain/canonical-json";

// Audit hashes already stored (docs/adr/0011) and event ids already deduplicated were made from
// this text; the cases pin it character for character.
describe("canonicalJson", () => {
  test.each<[string, unknown, string]>([
    ["keys sorted at every depth", { b: 1, a: { d: 2, c: [3] } }, `{"a":{"c":[3],"d":2},"b":1}`],
    ["undefined members left out", { a: undefined, b: null }, `{"b":null}`],
    ["undefined in an array is null", [undefined, 1], `[null,1]`],
    ["undefined alone is null", undefined, `null`],
    ["a function is null", () => 1, `null`],
    ["non-finite numbers are null, -0 is 0", [Number.NaN, Number.POSITIVE_INFINITY, -0], `[null,null,0]`],
    ["strings escaped as JSON", 'a"b\n', `"a\\"b\\n"`],
    // UTF-16 code unit order: U+1F600 (a surrogate pair, 0xD83D…) sorts before U+FFFF.
    ["keys by code units, not code points", { "\uffff": 1, "😀": 2 }, `{"😀":2,"\uffff":1}`],
    ["a Date is an object without own keys", new Date(0), `{}`],
  ])("%s", (_name, value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  test("ignores key order, as jsonb does", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3] } })).toBe(canonicalJson({ a: { c: [3], d: 2 }, b: 1 }));
  });

  test("omits the named keys at any depth", () => {
    const omit = new Set(["ageMs"]);
    expect(canonicalJson({ ageMs: 5, inner: [{ ageMs: 6, name: "x" }] }, omit)).toBe(`{"inner":[{"name":"x"}]}`);
  });

  test("a JSON value read back from its own text gives the same text", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  test("an audit entry's body hashes as the stored chain's did", () => {
    const body = canonicalJson({
      id: "42",
      at: "2024-05-01T12:00:00.123Z",
      actorId: 3,
      actor: "ada",
      actorRole: "approver",
      action: "reloads.approve",
      outcome: "allowed",
      serviceId: 7,
      subject: "reload_request:12",
      details: { reason: "ok ✓", "😀": 1, "\uffff": [1, null, { b: true, a: "x" }], z: { y: 2.5, x: -0 } },
    });
    const hash = createHash("sha256").update("0".repeat(64)).update("\n").update(body).digest("hex");
    expect(hash).toBe("279070e1721d630316ddd3e9fb5d68937307d2f2c6aaa509d537ea406628060d");
  });

  test('with undefinedMembers "null", writes what OTLP log record ids were hashed from', () => {
    // The text lib/otlp/log-records.ts wrote before it used the shared function: ids stored
    // from it must come out the same.
    const logRecordText = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(logRecordText).join(",")}]`;
      if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${logRecordText(v)}`).join(",")}}`;
      }
      return JSON.stringify(value) ?? "null";
    };
    expect(canonicalJson({ b: undefined, a: [undefined, 1] }, undefined, "null")).toBe('{"a":[null,1],"b":null}');
    expect(canonicalJson({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1]}');
    const withUndefined = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.constant(undefined),
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(withUndefined, (value) => {
        expect(canonicalJson(value, undefined, "null")).toBe(logRecordText(value));
      }),
      { seed: 20261207, numRuns: 500 },
    );
  });
});
