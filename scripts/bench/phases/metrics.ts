// Phase: one GET /api/metrics scrape of the whole fleet (docs/benchmark.md: 1,000 services × 20
// instances with 2 million events, target ≤ 500 ms), from the running `next start`, whole
// body read, one scrape at a time after warm-up ones; it logs its own figures, with the
// body's size and series count and the CPU split.
import http from "node:http";
import { numberEnv } from "../config";
import { cpuSince, cpuSnapshot, describeCpu } from "../cpu";
import { int, kb, ms, summarize } from "../format";
import { log, phase } from "../log";
import { state } from "../setup/state";

const WARMUP = 3;
const RUNS = Math.max(1, Math.floor(numberEnv("BENCH_METRICS_RUNS", 20)));

function scrape(agent: http.Agent, port: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method: "GET", path: "/api/metrics", agent, timeout: 120_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("GET /api/metrics timed out")));
    req.on("error", reject);
    req.end();
  });
}

export async function timeMetrics(port: number): Promise<void> {
  phase(`GET /api/metrics: ${WARMUP} warm-up + ${RUNS} timed scrapes, one at a time, whole body read`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let body: Buffer = Buffer.alloc(0);
    for (let i = 0; i < WARMUP; i++) body = (await scrape(agent, port)).body;
    const cpu0 = cpuSnapshot(state.server?.pid);
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const res = await scrape(agent, port);
      samples.push(performance.now() - t0);
      if (res.status !== 200)
        throw new Error(`GET /api/metrics answered ${res.status}: ${res.body.toString("utf8").slice(0, 300)}`);
      body = res.body;
    }
    const cpu = cpuSince(cpu0, state.server?.pid);
    const t = summarize(samples);
    const series = body
      .toString("utf8")
      .split("\n")
      .filter((line) => line && !line.startsWith("#")).length;
    log(
      `GET /api/metrics: p50 ${ms(t.p50)}, p95 ${ms(t.p95)}, max ${ms(t.max)} (target ≤ 500 ms: ${t.p95 <= 500 ? "met" : "MISS"}); ` +
        `${kb(body.length)}, ${int(series)} samples; ${describeCpu(cpu)}`,
    );
  } finally {
    agent.destroy();
  }
}
