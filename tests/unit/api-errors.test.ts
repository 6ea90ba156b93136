import { afterEach, describe, expect, test, vi } from "vitest";
import { ApiError, errorStatus, problem } from "@/lib/api/errors";
import { IngestError } from "@/lib/ingest/errors";

// The one mapping from errors to HTTP answers (lib/api/errors.ts): an expected error answers
// its code's status with its own message; anything else a generic message and an error id,
// the details only in the log.

afterEach(() => {
  vi.restoreAllMocks();
});

async function answer(error: unknown): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = problem(error);
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body };
}

describe("expected errors", () => {
  test("an ApiError answers its code's status with its message, fields and headers", async () => {
    const error = new ApiError("invalid_parameter", "outcome: unknown value", {
      fields: { parameter: "outcome" },
      headers: { "WWW-Authenticate": 'Bearer realm="x"' },
    });
    const { status, headers, body } = await answer(error);
    expect(status).toBe(400);
    expect(body).toEqual({ error: "invalid_parameter", parameter: "outcome", message: "outcome: unknown value" });
    expect(headers.get("www-authenticate")).toBe('Bearer realm="x"');
    expect(headers.get("cache-control")).toBe("no-store");
  });

  test.each([
    ["not_found", 404],
    ["unauthorized", 401],
    ["insufficient_scope", 403],
    ["body_too_large", 413],
    ["unsupported_media_type", 415],
    ["too_many_failed_authentications", 429],
  ] as const)("%s → %i", async (code, status) => {
    expect((await answer(new ApiError(code, "m"))).status).toBe(status);
    expect(errorStatus(code)).toBe(status);
  });

  test("a code's own headers come with it: overloaded asks to retry in a second, a body timeout closes", async () => {
    expect((await answer(new ApiError("overloaded", "m"))).headers.get("retry-after")).toBe("1");
    expect((await answer(new ApiError("body_timeout", "m"))).headers.get("connection")).toBe("close");
  });

  test("ingest's refusal of a body answers through the same table", async () => {
    const { status, body } = await answer(new IngestError("too_many_events", "the body holds 5 events; at most 4"));
    expect(status).toBe(413);
    expect(body).toEqual({ error: "too_many_events", message: "the body holds 5 events; at most 4" });
  });
});

describe("unexpected errors", () => {
  test("answer 500 with a generic message and an error id; the details are logged with that id", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const { status, body } = await answer(new Error('relation "secret_table" does not exist'));
    expect(status).toBe(500);
    expect(body.error).toBe("internal");
    expect(JSON.stringify(body)).not.toContain("secret_table");
    expect(body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(log.mock.calls[0]![0])).toContain(String(body.errorId));
  });

  test("a database that cannot be reached answers 503 with Retry-After, never the driver's text", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:5432"), { code: "ECONNREFUSED" });
    const { status, headers, body } = await answer(refused);
    expect(status).toBe(503);
    expect(headers.get("retry-after")).toBe("5");
    expect(body).toMatchObject({ error: "unavailable", message: "the database is unavailable; retry later" });
    expect(JSON.stringify(body)).not.toContain("10.0.0.7");
  });

  test("an error that only looks expected (a plain object with a code) is still unexpected", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { status, body } = await answer({ code: "not_found", message: "internal detail" });
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain("internal detail");
  });
});
