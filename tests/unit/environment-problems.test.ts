import { describe, expect, test } from "vitest";
import { environmentProblems } from "@/lib/env";
import { startSecretProblems } from "@/scripts/start-secrets";

// `npm start` checks the environment before `next build` and names each
// bad variable in one line; a short NEXTAUTH_SECRET used to surface as "Export encountered an
// error on /(dashboard)/admin/page" deep in the build's stack trace.

const SECRET = "x".repeat(32);

describe("environmentProblems", () => {
  test("a good environment has none", () => {
    expect(
      environmentProblems({ DATABASE_URL: "postgresql://app@db:5432/app", NEXTAUTH_SECRET: SECRET, PORT: "8080" }),
    ).toEqual([]);
    expect(environmentProblems({})).toEqual([]);
  });

  test.each([
    [{ NEXTAUTH_SECRET: "short" }, "NEXTAUTH_SECRET: must be at least 32 characters (openssl rand -base64 32)"],
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL: must be a postgres:// URL"],
    [{ INGEST_TOKEN: "abc" }, "INGEST_TOKEN: must be at least 16 characters"],
    [{ TARGET_PRIVATE_ADDRESSES: "maybe" }, 'TARGET_PRIVATE_ADDRESSES: must be one of "allow", "deny"'],
    [{ PORT: "70000" }, "PORT: must be at most 65535"],
    [{ PORT: "eighty" }, "PORT: must be a number"],
    [
      { OIDC_ISSUER: "https://id.example.com" },
      "OIDC_ISSUER: OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together",
    ],
  ])("%o → one line naming the variable", (environment, line) => {
    expect(environmentProblems(environment)).toEqual([line]);
  });

  test("every bad variable gets its own line, and no line holds a value", () => {
    const lines = environmentProblems({
      NEXTAUTH_SECRET: "hunter2-secret",
      METRICS_TOKEN: "tiny-secret",
      RETENTION_DAYS: "0",
    });
    expect(lines.map((l) => l.split(":")[0])).toEqual(["METRICS_TOKEN", "RETENTION_DAYS", "NEXTAUTH_SECRET"]);
    expect(lines.join("\n")).not.toMatch(/hunter2|tiny-secret/);
  });
});

describe("startSecretProblems", () => {
  test("a deployment (DATABASE_URL) must set both secrets; each missing one is a line", () => {
    expect(startSecretProblems({ DATABASE_URL: "postgresql://app@db/app" })).toEqual([
      expect.stringMatching(/^NEXTAUTH_SECRET: is not set: it signs session cookies/),
      expect.stringMatching(/^SECRETS_KEY: is not set: it encrypts reload target secrets/),
    ]);
    expect(
      startSecretProblems({ DATABASE_URL: "postgresql://app@db/app", NEXTAUTH_SECRET: SECRET, SECRETS_KEY: SECRET }),
    ).toEqual([]);
  });

  test("the embedded demo makes its own", () => {
    expect(startSecretProblems({})).toEqual([]);
  });
});
