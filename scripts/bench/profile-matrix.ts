// Where getFleetMatrix's time goes, on an existing database (e.g. one kept with
// BENCH_KEEP_DB=1): times each SQL statement it sends (by wrapping pg's Client#query, which
// the Prisma pg adapter uses) and the whole call, with the server's JIT setting and with
// jit = off (PGOPTIONS). Not part of `npm run bench`; run:
//   PROFILE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \
//     npx tsx --conditions=react-server scripts/bench/profile-matrix.ts
import pg from "pg";
import { disconnectDb } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { NO_FLEET_FILTERS } from "@/lib/fleet/filters";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { markdownTable, summarize } from "./format";
import { runAsReader } from "@/lib/auth/require-actor";

const url = process.env.PROFILE_DATABASE_URL;
if (!url) {
  console.error("PROFILE_DATABASE_URL is not set");
  process.exit(2);
}
const runs = Number(process.env.PROFILE_RUNS ?? 30);

let current: Map<string, number[]> | null = null;

/** Outside transactions the adapter queries through pg.Pool#query, which calls Client#query with a callback. */
function wrap(proto: { query: (...args: unknown[]) => unknown }) {
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const text = (typeof first === "string" ? first : (first?.text ?? "")).replace(/\s+/g, " ").trim();
    const key = text.startsWith("SELECT s.id")
      ? "services"
      : text.startsWith("SELECT st.service_id")
        ? "version aggregates"
        : text.startsWith("SELECT d.service_id")
          ? "desired versions"
          : text.startsWith("SELECT 'environment'")
            ? "facets"
            : text.slice(0, 30);
    const bucket = current;
    const t0 = performance.now();
    const result = original.apply(this, args) as Promise<unknown>;
    if (!bucket || typeof result?.then !== "function") return result;
    return result.then((r) => {
      const list = bucket.get(key) ?? [];
      list.push(performance.now() - t0);
      bucket.set(key, list);
      return r;
    });
  };
}
wrap(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown });
wrap(pg.Pool.prototype as unknown as { query: (...args: unknown[]) => unknown });

async function profile(label: string) {
  return runAsReader({ kind: "system", purpose: "profile" }, () => profileAsReader(label));
}

async function profileAsReader(label: string) {
  resetEnvCache();
  for (let i = 0; i < 5; i++) await getFleetMatrix(NO_FLEET_FILTERS);
  const bucket = new Map<string, number[]>();
  const totals: number[] = [];
  for (let i = 0; i < runs; i++) {
    current = bucket;
    const t0 = performance.now();
    await getFleetMatrix(NO_FLEET_FILTERS);
    totals.push(performance.now() - t0);
    current = null;
  }
  const row = (name: string, samples: number[]) => {
    const t = summarize(samples);
    return [name, t.p50.toFixed(1), t.p95.toFixed(1), t.max.toFixed(1)];
  };
  console.log(`\n### ${label} (${runs} calls after 5 warm-up)`);
  console.log(
    markdownTable(
      ["part", "p50 ms", "p95 ms", "max ms"],
      [
        row("getFleetMatrix (whole call)", totals),
        ...[...bucket.entries()].map(([k, v]) => row(`sql: ${k} (the 4 run in parallel)`, v)),
      ],
    ),
  );
  await disconnectDb();
}

process.env.DATABASE_URL = url;
process.env.DATABASE_POOL_SIZE = "4";
await profile("server settings");
process.env.PGOPTIONS = `${process.env.PGOPTIONS ?? ""} -c jit=off`.trim();
await profile("jit = off");
