"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { MarkerNote, reloadMarkerLines, type ChartProps } from "./reloads-chart";
import type { ChartBucket } from "@/lib/services/charts";

/** Convergence time (first dispatch → last ack) of the bucket's converged reloads: p50 and p95, seconds. */
export function ConvergenceChart({ buckets, bucketWords, markers }: ChartProps) {
  const converged = buckets.some((b) => b.p50Seconds !== null);
  return (
    <section className="panel" aria-label="Convergence time" data-chart="convergence">
      <h2>Convergence time per {bucketWords} (UTC)</h2>
      {!converged ? (
        <p className="empty">No reload converged in this time range.</p>
      ) : (
        <>
          <div style={{ width: "100%", height: 220, padding: "8px 8px 0 0" }}>
            <ResponsiveContainer>
              <LineChart data={buckets}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="label" fontSize={11} interval="preserveStartEnd" />
                <YAxis fontSize={11} width={40} unit=" s" />
                <Tooltip
                  labelFormatter={(_label, payload) =>
                    `${((payload?.[0]?.payload as ChartBucket | undefined)?.start ?? "").replace("T", " ").slice(0, 16)} UTC`
                  }
                  formatter={(value) => (typeof value === "number" ? `${value} s` : "—")}
                />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                {reloadMarkerLines(markers)}
                <Line dataKey="p50Seconds" stroke="#2f5fd0" name="p50" connectNulls={false} isAnimationActive={false} />
                <Line dataKey="p95Seconds" stroke="#b45309" name="p95" connectNulls={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
          <MarkerNote markers={markers} />
        </>
      )}
    </section>
  );
}
