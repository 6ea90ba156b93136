import { describe, expect, test } from "vitest";
import { parseInstancePage, parseServiceId, serviceHref } from "@/lib/services/params";

describe("parseServiceId", () => {
  test.each<[string, number | null]>([
    ["1", 1],
    ["42", 42],
    ["2147483647", 2_147_483_647],
    ["2147483648", null],
    ["0", null],
    ["", null],
    ["not-a-number", null],
    ["12abc", null],
    ["-3", null],
    ["1.5", null],
    ["1e3", null],
    [" 7", null],
    ["99999999999", null],
    ["%", null],
  ])("%j → %s", (raw, id) => {
    expect(parseServiceId(raw)).toBe(id);
  });
});

describe("parseInstancePage", () => {
  test.each<[string | string[] | undefined, number]>([
    [undefined, 1],
    ["", 1],
    ["1", 1],
    ["3", 3],
    [["4", "9"], 4],
    ["0", 1],
    ["-2", 1],
    ["2.5", 1],
    ["abc", 1],
    ["100000", 100_000],
    ["100001", 1],
    ["9999999", 1],
  ])("%j → %i", (raw, page) => {
    expect(parseInstancePage(raw)).toBe(page);
  });
});

test.each<[number, number, string]>([
  [7, 1, "/services/7"],
  [7, 2, "/services/7?page=2"],
])("serviceHref(%i, %i) → %s", (id, page, href) => {
  expect(serviceHref(id, page)).toBe(href);
});
