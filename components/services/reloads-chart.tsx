"use client";

import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { ChartBucket, ReloadMarker } from "@/lib/services/charts";

export interface ChartProps {
  buckets: ChartBucket[];
  /** "hour", "15 minutes": one bucket */
  bucketWords: string;
  markers: ReloadMarker[];
  total: number;
}

const tooltipLabel = (_label: unknown, payload: readonly { payload?: unknown }[] | undefined) =>
  `${((payload?.[0]?.payload as ChartBucket | undefined)?.start ?? "").replace("T", " ").slice(0, 16)} UTC`;

/**
 * Vertical markers where reloads started: dashed for a bucket whose reloads all went through,
 * solid and thicker where one failed, so the line's style says what its colour does (a text
 * label on the line was cut off at the chart's edges).
 */
export function reloadMarkerLines(markers: ReloadMarker[], yAxisId?: string) {
  return markers.map((m) => (
    <ReferenceLine
      key={m.label}
      x={m.label}
      {...(yAxisId ? { yAxisId } : {})}
      stroke={m.failed ? "#b42318" : "#667085"}
      strokeDasharray={m.failed ? undefined : "2 3"}
      strokeWidth={m.failed ? 2 : 1}
      ifOverflow="extendDomain"
    />
  ));
}

export function MarkerNote({ markers }: { markers: ReloadMarker[] }) {
  if (markers.length === 0) return null;
  return (
    <p className="when chart-note" data-reload-markers={markers.length}>
      Vertical lines mark reloads: dashed where they went through, solid where one failed.
    </p>
  );
}

/** Reloads per bucket by outcome (bars), and the instances that NACKed or failed (line). Buckets are UTC-aligned. */
export function ReloadsChart({ buckets, bucketWords, markers, total }: ChartProps) {
  const title = `Reloads per ${bucketWords}`;
  return (
    <section className="panel" aria-label={title} data-chart="reloads">
      <h2>{title} (UTC)</h2>
      {total === 0 ? (
        <p className="empty">No reloads in this time range.</p>
      ) : (
        <>
          <div style={{ width: "100%", height: 220, padding: "8px 8px 0 0" }}>
            <ResponsiveContainer>
              <ComposedChart data={buckets}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="label" fontSize={11} interval="preserveStartEnd" />
                <YAxis yAxisId="reloads" allowDecimals={false} fontSize={11} width={28} />
                <YAxis yAxisId="instances" orientation="right" allowDecimals={false} fontSize={11} width={28} />
                <Tooltip labelFormatter={tooltipLabel} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                {reloadMarkerLines(markers, "reloads")}
                <Bar
                  yAxisId="reloads"
                  dataKey="succeeded"
                  stackId="r"
                  fill="#1f7a3d"
                  name="succeeded"
                  isAnimationActive={false}
                />
                <Bar
                  yAxisId="reloads"
                  dataKey="failed"
                  stackId="r"
                  fill="#b42318"
                  name="failed / rolled back"
                  isAnimationActive={false}
                />
                <Bar
                  yAxisId="reloads"
                  dataKey="other"
                  stackId="r"
                  fill="#2f5fd0"
                  name="in flight / other"
                  isAnimationActive={false}
                />
                <Line
                  yAxisId="instances"
                  dataKey="instanceFailures"
                  stroke="#b45309"
                  dot={false}
                  name="instances NACKed or failed"
                  isAnimationActive={false}
                />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
          <MarkerNote markers={markers} />
        </>
      )}
    </section>
  );
}
