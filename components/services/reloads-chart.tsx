"use client";

import Link from "next/link";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ChartBucket, ChartRange } from "@/lib/services/charts";

export interface ChartProps {
  buckets: ChartBucket[];
  unit: "hour" | "day";
  range: ChartRange;
  total: number;
  /** the service page's URL for each range (the range lives in the URL) */
  rangeHrefs: Record<ChartRange, string>;
}

export function RangeLinks({ range, rangeHrefs }: Pick<ChartProps, "range" | "rangeHrefs">) {
  return (
    <span className="muted" style={{ fontWeight: 400, fontSize: 12, marginLeft: 8 }}>
      {(Object.keys(rangeHrefs) as ChartRange[]).map((r, i) => (
        <span key={r}>
          {i > 0 ? " · " : ""}
          {r === range ? <strong>{r === "24h" ? "24 hours" : "14 days"}</strong> : <Link href={rangeHrefs[r]} scroll={false}>{r === "24h" ? "24 hours" : "14 days"}</Link>}
        </span>
      ))}
    </span>
  );
}

/** Reloads per bucket by outcome (bars), and the instances that NACKed or failed (line). Buckets are UTC hours or days. */
export function ReloadsChart({ buckets, unit, range, total, rangeHrefs }: ChartProps) {
  const title = unit === "hour" ? "Reloads per hour" : "Reloads per day";
  return (
    <section className="panel" aria-label={title} data-chart="reloads">
      <h2>
        {title} (UTC) <RangeLinks range={range} rangeHrefs={rangeHrefs} />
      </h2>
      {total === 0 ? (
        <p className="empty">No reloads in the last {range === "24h" ? "24 hours" : "14 days"}.</p>
      ) : (
        <div style={{ width: "100%", height: 220, padding: "8px 8px 0 0" }}>
          <ResponsiveContainer>
            <ComposedChart data={buckets}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" fontSize={11} interval="preserveStartEnd" />
              <YAxis yAxisId="reloads" allowDecimals={false} fontSize={11} width={28} />
              <YAxis yAxisId="instances" orientation="right" allowDecimals={false} fontSize={11} width={28} />
              <Tooltip labelFormatter={(_label, payload) => (payload?.[0]?.payload as ChartBucket | undefined)?.start.replace("T", " ").slice(0, 16) + " UTC"} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar yAxisId="reloads" dataKey="succeeded" stackId="r" fill="#1f7a3d" name="succeeded" isAnimationActive={false} />
              <Bar yAxisId="reloads" dataKey="failed" stackId="r" fill="#b42318" name="failed / rolled back / expired" isAnimationActive={false} />
              <Bar yAxisId="reloads" dataKey="other" stackId="r" fill="#2f5fd0" name="in flight / other" isAnimationActive={false} />
              <Line yAxisId="instances" dataKey="instanceFailures" stroke="#b45309" dot={false} name="instances NACKed or failed" isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
