import { describe, expect, test } from "vitest";
import { csvCell, csvRow } from "@/lib/audit/csv";
import { auditHref, parseAuditFilters } from "@/lib/audit/filters";

describe("csvCell", () => {
  test.each([
    ["plain", "plain"],
    ["", ""],
    [null, ""],
    [undefined, ""],
    [42, "42"],
    [-5, "-5"],
    [Number.MAX_SAFE_INTEGER, "9007199254740991"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["line\nbreak", '"line\nbreak"'],
    ["cr\rhere", '"cr\rhere"'],
    // Spreadsheet formulas are defused with a leading apostrophe.
    ["=1+2", "'=1+2"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tTAB", "'\tTAB"],
    ["\r=x", '"\'\r=x"'],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ["a=b", "a=b"],
    [" =not first", " =not first"],
  ] as const)("%j → %j", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  test("a row is the cells joined by commas, ended by CRLF", () => {
    expect(csvRow(["a", null, "b,c", 3])).toBe('a,,"b,c",3\r\n');
  });
});

describe("parseAuditFilters", () => {
  test("reads every filter", () => {
    const parsed = parseAuditFilters({
      actor: "olga",
      action: "request.approve",
      outcome: "denied,failed,denied",
      service: "checkout-api",
      subject: "reload_request:12",
      from: "2026-11-01",
      to: "2026-11-21T14:03",
      cursor: "120",
      limit: "20",
    });
    expect(parsed).toEqual({
      ok: true,
      filters: {
        actor: "olga",
        action: "request.approve",
        outcome: ["denied", "failed"],
        service: "checkout-api",
        subject: "reload_request:12",
        from: new Date("2026-11-01T00:00:00Z"),
        to: new Date("2026-11-21T14:03:00Z"),
        cursor: "120",
        limit: 20,
      },
    });
  });

  test("the time picker's relative range is read at the request (now-1h → the last hour), and kept as text in the export link", () => {
    const before = Date.now();
    const parsed = parseAuditFilters({ from: "now-1h", to: "now" });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.filters.from!.getTime()).toBeGreaterThanOrEqual(before - 3_600_000);
      expect(parsed.filters.from!.getTime()).toBeLessThanOrEqual(Date.now() - 3_600_000);
      expect(parsed.filters.to!.getTime()).toBeGreaterThanOrEqual(before);
    }
    expect(auditHref({ action: "request.approve", from: "now-1h" }, "/api/audit/export")).toBe(
      "/api/audit/export?action=request.approve&from=now-1h",
    );
    // the picker's absolute times (UTC, …Z) and the old datetime-local boxes' links alike
    expect(parseAuditFilters({ from: "2026-11-21T14:00:00Z", to: "2026-11-21T15:00" })).toMatchObject({
      ok: true,
      filters: { from: new Date("2026-11-21T14:00:00Z"), to: new Date("2026-11-21T15:00:00Z") },
    });
  });

  test("empty boxes of a GET form are no filter", () => {
    expect(parseAuditFilters({ actor: "", outcome: "", from: "  " })).toEqual({ ok: true, filters: { limit: 50 } });
  });

  test.each([
    [{ outcome: "ok" }, "outcome"],
    [{ from: "yesterday" }, "from"],
    [{ from: "now-1y" }, "from"],
    [{ to: "2026-13-45" }, "to"],
    [{ from: "2026-11-02", to: "2026-11-01" }, "from"],
    [{ limit: "0" }, "limit"],
    [{ limit: "201" }, "limit"],
    [{ cursor: "-3" }, "cursor"],
    [{ cursor: "99999999999999999999" }, "cursor"],
    [{ actor: "a\u0000b" }, "actor"],
    [{ actor: "x".repeat(257) }, "actor"],
    [{ colour: "red" }, "colour"],
    [{ actor: ["a", "b"] }, "actor"],
  ])("%j is refused, naming %s", (params, parameter) => {
    const parsed = parseAuditFilters(params);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.parameter).toBe(parameter);
      expect(parsed.message.startsWith(`${parameter}: `)).toBe(true);
    }
  });

  test("auditHref keeps set parameters in a stable order and drops empty ones", () => {
    expect(auditHref({ outcome: "denied", actor: "olga", cursor: null, service: "" })).toBe(
      "/audit?actor=olga&outcome=denied",
    );
    expect(auditHref({})).toBe("/audit");
    expect(auditHref({ from: "2026-11-01" }, "/api/audit/export")).toBe("/api/audit/export?from=2026-11-01");
  });
});
