import { afterEach, describe, expect, test } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { event, postEvents } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const saved = { ...process.env };
afterEach(() => {
  for (const key of ["INGEST_MAX_BODY_BYTES", "INGEST_MAX_EVENTS", "INGEST_MAX_CONCURRENT"]) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  resetEnvCache();
});

describe("ingest limits", () => {
  test("a body over the size limit → 413 and nothing stored", async () => {
    process.env.INGEST_MAX_BODY_BYTES = "2048";
    resetEnvCache();
    const big = Array.from({ length: 30 }, () => event());
    const answer = await postEvents(big);
    expect(answer.status).toBe(413);
    expect(answer.body.message).toContain("2048 bytes");
    expect(await db().reloadEvent.count()).toBe(0);
  });

  test("a gzip body that inflates past the limit → 413", async () => {
    process.env.INGEST_MAX_BODY_BYTES = "4096";
    resetEnvCache();
    const answer = await postEvents(null, {
      raw: JSON.stringify([event({ attributes: { pad: "x".repeat(20_000) } })]),
      gzip: true,
    });
    expect(answer.status).toBe(413);
  });

  test("more events than allowed per request → 413", async () => {
    process.env.INGEST_MAX_EVENTS = "3";
    resetEnvCache();
    const answer = await postEvents([event(), event(), event(), event()]);
    expect(answer.status).toBe(413);
    expect(answer.body.message).toContain("at most 3");
  });

  test("too many requests at once → 429 with Retry-After", async () => {
    process.env.INGEST_MAX_CONCURRENT = "1";
    resetEnvCache();
    // Hold one request open inside the handler: its body stream is pulled only when the
    // handler reads it (highWaterMark 0), which is after it took the one slot. The second
    // request is sent once the first read has happened, not after a guessed delay.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reading!: () => void;
    const firstRead = new Promise<void>((resolve) => (reading = resolve));
    const parts = [new TextEncoder().encode("["), new TextEncoder().encode(JSON.stringify(event()) + "]")];
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          pulls++;
          if (pulls === 1) {
            controller.enqueue(parts[0]!);
            reading();
            return;
          }
          await held;
          controller.enqueue(parts[1]!);
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const first = postEvents(null, { raw: stream });
    await firstRead;
    const second = await postEvents(event());
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("1");
    release();
    expect((await first).status).toBe(200);
  });
});

describe("database down", () => {
  test("→ 503 with Retry-After, and no internal detail in the answer", async () => {
    const realUrl = process.env.DATABASE_URL;
    await disconnectDb();
    process.env.DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none";
    resetEnvCache();
    try {
      const answer = await postEvents(event());
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("5");
      expect(JSON.stringify(answer.body)).not.toContain("ECONNREFUSED");
    } finally {
      await disconnectDb();
      process.env.DATABASE_URL = realUrl;
      resetEnvCache();
    }
  });
});
