// What /audit shows by default and how an entry reads (docs/adr/0011): sign-ins are left out
// unless asked for (the checkbox, an action filter naming them, or one subject's story), and
// the words people typed (a decision's comment, a request's reason) are
// shown as text rather than inside the details' JSON.
import { describe, expect, test } from "vitest";
import {
  auditEntryNotes,
  parseAuditFilters,
  showsSignIns,
  SIGN_IN_ACTION,
  type AuditFilters,
} from "@/lib/audit/filters";

function filters(params: Record<string, string>): AuditFilters {
  const parsed = parseAuditFilters(params);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.filters;
}

describe("sign-ins", () => {
  test.each<[Record<string, string>, boolean]>([
    [{}, false],
    [{ outcome: "denied" }, false],
    [{ actor: "olga" }, false],
    [{ signins: "include" }, true],
    [{ action: SIGN_IN_ACTION }, true],
    [{ subject: "user:3" }, true],
  ])("%j shows sign-ins: %s", (params, shown) => {
    expect(showsSignIns(filters(params))).toBe(shown);
  });

  test("the checkbox's value is the only one taken, and it is named when wrong", () => {
    expect(filters({ signins: "include" }).signins).toBe(true);
    expect(parseAuditFilters({ signins: "" })).toEqual({ ok: true, filters: { limit: 50 } });
    const parsed = parseAuditFilters({ signins: "yes please" });
    expect(parsed).toMatchObject({ ok: false, parameter: "signins" });
    if (!parsed.ok) expect(parsed.message).toBe('signins: "include" to show sign-ins, or leave it out');
  });
});

describe("an entry's words", () => {
  test.each<[string, Record<string, unknown>, { label: string; text: string }[]]>([
    [
      "an approval's comment",
      { input: { requestId: 4, comment: "looks right" }, decision: "approved", status: "approved" },
      [{ label: "Comment", text: "looks right" }],
    ],
    ["an approval without a comment", { input: { requestId: 4, comment: "" }, decision: "approved" }, []],
    [
      "a rejection's comment",
      { input: { requestId: 4, comment: "freeze week" }, decision: "rejected" },
      [{ label: "Comment", text: "freeze week" }],
    ],
    [
      "a request's reason",
      { input: { serviceId: 1, toVersion: "v2", reason: "new routes" } },
      [{ label: "Reason", text: "new routes" }],
    ],
    // A refusal's reason has its place beside the outcome already.
    ["a refusal", { input: { requestId: 4, comment: "" }, reason: "nobody may decide on their own request" }, []],
    ["something that is not text", { input: { comment: { nested: true } }, reason: 42 }, []],
  ])("%s", (_, details, notes) => {
    expect(auditEntryNotes(details)).toEqual(notes);
  });
});
