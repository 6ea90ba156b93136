// The sign-in rules that need no database: which typed names are refused before any query,
// which limit buckets an attempt is charged to, and how a refusal's wait reaches the page.
import { describe, expect, test } from "vitest";
import { isReservedUsername, leavesNoEnabledAdmin } from "@/lib/domain/admin-rules";
import { signInBuckets, signInNameProblem, SIGN_IN_NAME_MAX, tooManyAttemptsCode } from "@/lib/domain/sign-in";
import { signInErrorMessage } from "@/lib/auth/sign-in-errors";

describe("user names refused before any query", () => {
  test.each<[string, string, ReturnType<typeof signInNameProblem>]>([
    ["a plain name", "admin", null],
    ["letters of any script", "Zoë-ünal", null],
    ["an e-mail address", "alice@example.com", null],
    ["digits only", "4711", null],
    ["empty", "", "empty"],
    ["NUL", "adm\u0000in", "control_character"],
    ["another control character", "adm\u001bin", "control_character"],
    ["a lone surrogate", "adm\ud800in", "invalid_unicode"],
    ["invalid UTF-8, as a form body decodes it", "adm\ufffdin", "invalid_unicode"],
    ["one character over the limit", "a".repeat(SIGN_IN_NAME_MAX + 1), "too_long"],
    ["100,000 characters", "a".repeat(100_000), "too_long"],
    ["emoji only", "🔥🔥🔥", "no_letter_or_digit"],
    ["punctuation only", "'; --", "no_letter_or_digit"],
  ])("%s", (_, name, problem) => {
    expect(signInNameProblem(name)).toBe(problem);
  });
});

describe("limit buckets", () => {
  test("a known address: its own bucket, the name from that address, and the name over all addresses", () => {
    expect(signInBuckets({ nameKey: "k1", address: "10.0.0.7", maxFailures: 5 })).toEqual([
      { bucket: "address", key: "10.0.0.7", maxFailures: 20 },
      { bucket: "name_address", key: "k1|10.0.0.7", maxFailures: 5 },
      { bucket: "name", key: "k1", maxFailures: 100 },
    ]);
  });
  test("no trusted proxy (every caller shares one address): only the generous per-name bucket, so nobody's guesses lock everyone out", () => {
    expect(signInBuckets({ nameKey: "k1", address: null, maxFailures: 5 })).toEqual([
      { bucket: "name", key: "k1", maxFailures: 100 },
    ]);
  });
  test("a malformed name is charged to its address only", () => {
    expect(signInBuckets({ nameKey: null, address: "10.0.0.7", maxFailures: 5 })).toEqual([
      { bucket: "address", key: "10.0.0.7", maxFailures: 20 },
    ]);
  });
});

describe("the page's message for a refusal", () => {
  test("too many attempts names the wait", () => {
    expect(tooManyAttemptsCode(42)).toBe("TooManyAttempts:42");
    expect(signInErrorMessage(tooManyAttemptsCode(42))).toBe("Too many sign-in attempts. Try again in 42 s.");
    expect(signInErrorMessage("TooManyAttempts")).toBe("Too many sign-in attempts. Try again later.");
  });
  test("anything else the URL carries is the default text, never echoed", () => {
    expect(signInErrorMessage('invalid byte sequence for encoding "UTF8": 0x00')).toBe(signInErrorMessage("Default"));
    expect(signInErrorMessage("TooManyAttempts:<script>")).toBe(signInErrorMessage("Default"));
  });
});

describe("OIDC and the roster", () => {
  test.each([["system"], ["System"], [" root "], ["anonymous"], ["worker"], ["unknown user"]])(
    "%j is reserved",
    (name) => {
      expect(isReservedUsername(name)).toBe(true);
    },
  );
  test("an ordinary name is not", () => expect(isReservedUsername("alice")).toBe(false));
  test.each<[string, Parameters<typeof leavesNoEnabledAdmin>[0], boolean]>([
    [
      "demoting the only enabled admin",
      {
        target: { id: 1, role: "admin", disabled: false },
        change: { kind: "role", role: "viewer" },
        enabledAdminIds: [1],
      },
      true,
    ],
    [
      "demoting one of two",
      {
        target: { id: 1, role: "admin", disabled: false },
        change: { kind: "role", role: "viewer" },
        enabledAdminIds: [1, 2],
      },
      false,
    ],
    [
      "keeping the role",
      {
        target: { id: 1, role: "admin", disabled: false },
        change: { kind: "role", role: "admin" },
        enabledAdminIds: [1],
      },
      false,
    ],
  ])("%s", (_, args, leaves) => {
    expect(leavesNoEnabledAdmin(args)).toBe(leaves);
  });
});
