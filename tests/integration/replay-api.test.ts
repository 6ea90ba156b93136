// GET /api/replay: the route handler the player fetches each instant from.
import { describe, expect, test } from "vitest";
import { GET } from "@/app/api/replay/route";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const get = async (query: string) => {
  const response = await GET(new Request(`http://127.0.0.1/api/replay${query}`));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("GET /api/replay", () => {
  test("answers the matrix at the instant, with the version then", async () => {
    await postEvents([event({ toVersion: "v1", occurredAt: minutesAgo(40) }), event({ toVersion: "v2", occurredAt: minutesAgo(10) })]);
    const then = await get(`?at=${encodeURIComponent(minutesAgo(20))}`);
    const now = await get(`?at=${encodeURIComponent(minutesAgo(0))}`);
    expect(then.status).toBe(200);
    const versions = (b: Record<string, unknown>) => JSON.stringify(b.matrix).match(/"version":"(v\d)"/g);
    expect(versions(then.body)).toEqual(['"version":"v1"']);
    expect(versions(now.body)).toEqual(['"version":"v2"']);
    expect(then.body.basis).toMatchObject({ snapshotAt: null, eventsFolded: 1 });
  });

  test.each([
    ["", "at: is required"],
    ["?at=tomorrow", "at: must be an RFC 3339 instant"],
    ["?at=2999-01-01T00:00:00Z", "at: is in the future"],
    ["?at=2000-01-01T00:00:00Z", "at: is older than the retention window (30 days)"],
    [`?at=${encodeURIComponent(new Date().toISOString())}&page=0`, "page:"],
  ])("%s is a 400 naming the parameter", async (query, message) => {
    const answer = await get(query);
    expect(answer.status).toBe(400);
    expect(String(answer.body.message)).toContain(message);
  });
});
