import { describe, expect, test } from "vitest";
import { decodeUtf8, nestingProblem, textProblem } from "@/lib/domain/text-input";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("decodeUtf8", () => {
  test.each<[string, Uint8Array, string]>([
    ["ASCII", bytes(0x61, 0x62), "ab"],
    ["two, three and four byte forms", Buffer.from("é€😀"), "é€😀"],
    ["a stray continuation byte", bytes(0x61, 0x80), "a\udc80"],
    ["0xFF and 0xFE stay distinct", bytes(0xff, 0xfe), "\udcff\udcfe"],
    ["an overlong slash (C0 AF)", bytes(0xc0, 0xaf), "\udcc0\udcaf"],
    ["a truncated three-byte form at the end", bytes(0x61, 0xe2, 0x82), "a\udce2\udc82"],
    ["a UTF-8 encoded surrogate (ED A0 80)", bytes(0xed, 0xa0, 0x80), "\udced\udca0\udc80"],
    ["above U+10FFFF (F4 90 80 80)", bytes(0xf4, 0x90, 0x80, 0x80), "\udcf4\udc90\udc80\udc80"],
    ["valid text after an invalid byte", bytes(0xff, 0xe2, 0x82, 0xac), "\udcff€"],
  ])("%s", (_name, input, expected) => {
    expect(decodeUtf8(input)).toBe(expected);
  });

  test("a range of a buffer", () => {
    expect(decodeUtf8(Buffer.from("xxé!yy"), 2, 5)).toBe("é!");
  });
});

describe("textProblem", () => {
  test.each<[string, string | null]>([
    ["plain", null],
    ["u8-X\udcff", "is not valid UTF-8"],
    ["x\ud800", "must be valid Unicode (it holds a lone UTF-16 surrogate)"],
    ["😀", null],
    ["a\u0000b", "must not contain NUL characters (\\u0000)"],
  ])("%j", (text, problem) => {
    expect(textProblem(text)).toBe(problem);
  });
});

describe("nestingProblem", () => {
  const nested = (levels: number) => {
    let v: unknown = "leaf";
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
  };

  test("counts every container by default, up to the limit", () => {
    expect(nestingProblem(nested(32), { path: "attributes" })).toBeNull();
    expect(nestingProblem(nested(33), { path: "attributes" })).toBe("attributes: nested deeper than 32 levels");
  });

  test("100,000 levels are measured without exhausting the stack", () => {
    expect(nestingProblem(nested(100_000), { limit: 3 })).toBe("the body: nested deeper than 3 levels");
  });

  test("with counted keys, names where the counted nesting starts", () => {
    let value: unknown = { stringValue: "x" };
    for (let i = 0; i < 3; i++) value = { arrayValue: { values: [value] } };
    const counts = (key: string | number) => key === "arrayValue";
    expect(nestingProblem({ spans: [{ attributes: [{ key: "k", value }] }] }, { limit: 3, counts })).toBeNull();
    expect(nestingProblem({ spans: [{ attributes: [{ key: "k", value }] }] }, { limit: 2, counts })).toBe(
      "spans[0].attributes[0].value: nested deeper than 2 levels",
    );
  });
});
