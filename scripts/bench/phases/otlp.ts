// Phase: OTLP spans/s through POST /v1/traces (docs/benchmark.md: protobuf, batches of 512, 4 clients),
// beside the raw-insert rate of the same span rows into the same `span` table (pg, INSERT …
// unnest, 4 connections, batches of 512). Target: ingest ≥ 0.5 of raw. The bodies are
// ExportTraceServiceRequest messages encoded with the same official protobuf definitions the
// receiver decodes with (lib/otlp/proto.ts), generated and encoded before any timing starts.
// The raw rows carry other trace ids, so both sets stay in the table; it logs its figures.
import http from "node:http";
import pg from "pg";
import { ExportTraceServiceRequest, type PbTraceRequest } from "@/lib/otlp/proto";
import { column } from "@/lib/db/sql-params";
import { insertSpansStatement } from "@/lib/otlp/store-spans";
import { seededRandom } from "@/lib/random";
import { cfg, numberEnv } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int } from "../format";
import { log, phase, progress } from "../log";
import { state } from "../setup/state";

const SPANS_PER_BATCH = 512;
const BATCHES = Math.max(1, Math.floor(numberEnv("BENCH_OTLP_BATCHES", 100)));
const SERVICES = 50;

export interface OtlpResult {
  spans: number;
  rate: number;
  rawRate: number;
  ratio: number;
  cpu: CpuUse;
  rawCpu: CpuUse;
}

interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  instance: string;
  startNs: bigint;
  endNs: bigint;
  error: boolean;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

function spanRows(prefix: string, now: number): SpanRow[][] {
  const random = seededRandom(20261123);
  const batches: SpanRow[][] = [];
  let trace = 0;
  for (let b = 0; b < BATCHES; b++) {
    const rows: SpanRow[] = [];
    while (rows.length < SPANS_PER_BATCH) {
      // A trace of 8 spans: a root and 7 children, in one service's instance.
      trace++;
      const service = `otlp-bench-${trace % SERVICES}`;
      const traceId = `${prefix}${hex(trace, 32 - prefix.length)}`;
      const rootStart = BigInt(now - 120_000 + Math.floor(random() * 60_000)) * 1_000_000n;
      const rootId = hex(trace * 8, 16);
      for (let s = 0; s < 8 && rows.length < SPANS_PER_BATCH; s++) {
        const start = rootStart + BigInt(s * 1_000_000);
        rows.push({
          traceId,
          spanId: s === 0 ? rootId : hex(trace * 8 + s, 16),
          parentSpanId: s === 0 ? null : rootId,
          name: s === 0 ? "GET /checkout" : `db.query ${s}`,
          service,
          instance: `${service}-${trace % 20}`,
          startNs: start,
          endNs: start + BigInt(Math.floor(random() * 50_000_000)),
          error: random() < 0.02,
        });
      }
    }
    batches.push(rows);
  }
  return batches;
}

const bytes = (h: string) => Buffer.from(h, "hex");
const str = (value: string) => ({ value: { stringValue: value } });

function encodeBatch(rows: SpanRow[]): Buffer {
  const byService = new Map<string, SpanRow[]>();
  for (const r of rows) byService.set(r.service, [...(byService.get(r.service) ?? []), r]);
  const request = {
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: {
        attributes: [
          { key: "service.name", ...str(service) },
          { key: "service.namespace", ...str("bench") },
          { key: "deployment.environment.name", ...str("bench") },
          { key: "service.instance.id", ...str(spans[0]!.instance) },
        ],
      },
      scopeSpans: [
        {
          scope: { name: "bench", version: "1.0.0", attributes: [] },
          spans: spans.map((r) => ({
            traceId: bytes(r.traceId),
            spanId: bytes(r.spanId),
            parentSpanId: r.parentSpanId ? bytes(r.parentSpanId) : null,
            name: r.name,
            kind: 2,
            startTimeUnixNano: r.startNs.toString(),
            endTimeUnixNano: r.endNs.toString(),
            attributes: [
              { key: "http.route", ...str("/checkout") },
              { key: "db.system", ...str("postgresql") },
            ],
            events: [],
            links: [],
            status: r.error ? { code: 2, message: "timeout" } : { code: 1, message: "" },
          })),
        },
      ],
    })),
  } as unknown as PbTraceRequest;
  return Buffer.from(ExportTraceServiceRequest.encode(request).finish());
}

function post(port: number, token: string, agent: http.Agent, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/v1/traces",
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/x-protobuf",
          "content-length": String(body.length),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        // A connection reset mid-answer: without a listener the response's 'error' would be uncaught.
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function inParallel<T>(items: T[], clients: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        await work(items[i]!);
      }
    }),
  );
}

export async function measureOtlp(port: number, token: string, appUrl: string): Promise<OtlpResult> {
  const now = Date.now();
  const viaEndpoint = spanRows("aa", now);
  const bodies = viaEndpoint.map(encodeBatch);
  const spans = BATCHES * SPANS_PER_BATCH;

  phase(`OTLP: POST /v1/traces, protobuf, ${cfg.clients} clients × ${SPANS_PER_BATCH} spans`, spans);
  const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.clients });
  const cpu0 = cpuSnapshot(state.server?.pid);
  const t0 = performance.now();
  await inParallel(bodies, cfg.clients, async (body) => {
    for (let attempt = 1; ; attempt++) {
      const status = await post(port, token, agent, body);
      if ((status === 429 || status === 503) && attempt <= 20) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (status !== 200) throw new Error(`POST /v1/traces answered ${status}`);
      progress.done += SPANS_PER_BATCH;
      return;
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(cpu0, state.server?.pid);
  agent.destroy();
  const rate = spans / seconds;
  log(`OTLP ingest: ${int(spans)} spans in ${seconds.toFixed(1)} s = ${int(rate)} spans/s; ${describeCpu(cpu)}`);

  // The same rows, other trace ids, straight into span (services already exist: the endpoint made them).
  const pool = new pg.Pool({ connectionString: appUrl, max: cfg.clients });
  pool.on("error", () => {}); // an idle client's dropped connection: a query in flight rejects on its own
  try {
    const ids = new Map(
      (
        await pool.query<{ id: number; name: string }>(
          `SELECT id, name FROM service WHERE environment = 'bench' AND namespace = 'bench'`,
        )
      ).rows.map((r) => [r.name, r.id]),
    );
    const raw = spanRows("bb", now);
    const stored = Number((await pool.query(`SELECT count(*) AS n FROM span WHERE trace_id LIKE 'aa%'`)).rows[0].n);
    if (stored !== spans) throw new Error(`the endpoint stored ${stored} spans, expected ${spans}`);
    phase(`OTLP raw: INSERT … unnest into span, ${cfg.clients} connections × ${SPANS_PER_BATCH}`, spans);
    const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
    const rawCpu0 = cpuSnapshot(state.server?.pid);
    const r0 = performance.now();
    await inParallel(raw, cfg.clients, async (rows) => {
      const statement = insertSpansStatement({
        trace_id: column.text(rows.map((r) => r.traceId)),
        span_id: column.text(rows.map((r) => r.spanId)),
        parent_span_id: column.text(rows.map((r) => r.parentSpanId)),
        trace_state: column.text(rows.map(() => null)),
        name: column.text(rows.map((r) => r.name)),
        kind: column.int(rows.map(() => 2)),
        start_time: column.timestamptz(rows.map((r) => iso(r.startNs))),
        end_time: column.timestamptz(rows.map((r) => iso(r.endNs))),
        duration_ns: column.bigint(rows.map((r) => (r.endNs - r.startNs).toString())),
        status_code: column.int(rows.map((r) => (r.error ? 2 : 1))),
        status_message: column.text(rows.map((r) => (r.error ? "timeout" : null))),
        attributes: column.jsonb(
          rows.map(() => JSON.stringify({ "http.route": "/checkout", "db.system": "postgresql" })),
        ),
        events: column.jsonb(rows.map(() => "[]")),
        links: column.jsonb(rows.map(() => "[]")),
        resource_attributes: column.jsonb(
          rows.map((r) =>
            JSON.stringify({
              "service.name": r.service,
              "service.namespace": "bench",
              "deployment.environment.name": "bench",
              "service.instance.id": r.instance,
            }),
          ),
        ),
        scope_name: column.text(rows.map(() => "bench")),
        scope_version: column.text(rows.map(() => "1.0.0")),
        scope_attributes: column.jsonb(rows.map(() => "{}")),
        service_id: column.int(rows.map((r) => ids.get(r.service) ?? null)),
        instance_key: column.text(rows.map((r) => r.instance)),
        reload_id: column.text(rows.map(() => null)),
      });
      await pool.query(statement.text, statement.values);
      progress.done += rows.length;
    });
    const rawSeconds = (performance.now() - r0) / 1000;
    const rawCpu = cpuSince(rawCpu0, state.server?.pid);
    const rawRate = spans / rawSeconds;
    log(
      `OTLP raw insert: ${int(spans)} spans in ${rawSeconds.toFixed(1)} s = ${int(rawRate)} spans/s; ${describeCpu(rawCpu)}`,
    );
    log(`OTLP ingest / raw: ${(rate / rawRate).toFixed(2)} (target ≥ 0.5)`);
    return { spans, rate, rawRate, ratio: rate / rawRate, cpu, rawCpu };
  } finally {
    await pool.end();
  }
}
