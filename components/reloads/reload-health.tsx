"use client";

import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { HealthComparison } from "@/lib/domain/health-window";
import { clockTimeUtc, formatDuration } from "@/lib/format";
import type { HealthBucket } from "@/lib/reloads/health-queries";

interface Props {
  comparison: HealthComparison;
  buckets: HealthBucket[];
  before: { from: string; to: string };
  after: { from: string; to: string } | null;
  afterPartial: boolean;
  bucketMs: number;
}

const pct = (r: number | null) => (r === null ? "—" : `${(r * 100).toFixed(1)} %`);
const clock = (iso: string) => clockTimeUtc(new Date(iso)).replace(" UTC", "");

/**
 * How the service's latency and errors moved around the reload (DESIGN: the responder's "how
 * latency moved"): the numbers of the window before and after, and a small chart per bucket
 * with the reload marked. The numbers are the point; the chart shows where they came from.
 */
export function ReloadHealth({ comparison, buckets, before, after, afterPartial, bucketMs }: Props) {
  const { before: b, after: a } = comparison;
  const noSpans = b.spans === 0 && (!a || a.spans === 0);
  const data = buckets.map((x) => ({
    label: clock(x.start),
    start: x.start,
    p95: x.p95Ms === null ? null : Math.round(x.p95Ms * 10) / 10,
    errors: x.errorRatio === null ? null : Math.round(x.errorRatio * 1000) / 10,
  }));
  // The markers sit on the bucket that holds each instant (the axis is by bucket).
  const bucketOf = (iso: string) =>
    data[Math.min(data.length - 1, Math.max(0, Math.floor((Date.parse(iso) - Date.parse(before.from)) / bucketMs)))]
      ?.label;
  const minutes = Math.round((Date.parse(before.to) - Date.parse(before.from)) / 60_000);
  return (
    <section className="panel" aria-label="Service health before and after" data-health style={{ marginBottom: 16 }}>
      <h2>
        Service health before and after{" "}
        <span className="muted" style={{ fontWeight: 400 }}>
          · the service&apos;s spans, {minutes} min before the dispatch and after the finish (the reload&apos;s own
          spans left out)
        </span>
      </h2>
      <div className="table-wrap">
        <table aria-label="p95 and error ratio before and after">
          <thead>
            <tr>
              <th scope="col">Window</th>
              <th scope="col">Spans</th>
              <th scope="col">p95 duration</th>
              <th scope="col">Error ratio</th>
            </tr>
          </thead>
          <tbody>
            <tr data-health-row="before">
              <th scope="row">
                before{" "}
                <span className="muted">
                  {clock(before.from)}–{clock(before.to)} UTC
                </span>
              </th>
              <td>{b.spans}</td>
              <td>{b.spans ? formatDuration(b.p95Ms) : "—"}</td>
              <td>{pct(b.errorRatio)}</td>
            </tr>
            <tr data-health-row="after">
              <th scope="row">
                after{" "}
                {after ? (
                  <span className="muted">
                    {clock(after.from)}–{clock(after.to)} UTC{afterPartial ? " (so far)" : ""}
                  </span>
                ) : (
                  <span className="muted">the reload has not finished</span>
                )}
              </th>
              <td>{a ? a.spans : "—"}</td>
              <td>
                {a && a.spans ? formatDuration(a.p95Ms) : "—"}
                {comparison.p95Change !== null ? (
                  <span className={comparison.p95Change > 1.5 ? "error-text" : "muted"}>
                    {" "}
                    (×{comparison.p95Change.toFixed(2)})
                  </span>
                ) : null}
              </td>
              <td>
                {a ? pct(a.errorRatio) : "—"}
                {comparison.errorRatioChange !== null && comparison.errorRatioChange !== 0 ? (
                  <span className={comparison.errorRatioChange > 0.01 ? "error-text" : "muted"}>
                    {" "}
                    ({comparison.errorRatioChange > 0 ? "+" : "−"}
                    {(Math.abs(comparison.errorRatioChange) * 100).toFixed(1)} points)
                  </span>
                ) : null}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      {noSpans ? (
        <p className="empty">
          No spans of this service in these windows: send its traces to /v1/traces to see how latency moved.
        </p>
      ) : (
        <div style={{ width: "100%", height: 200, padding: "8px 8px 0 0" }} data-chart="health">
          <ResponsiveContainer>
            <LineChart data={data}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" fontSize={11} interval="preserveStartEnd" />
              <YAxis yAxisId="ms" fontSize={11} width={48} unit=" ms" />
              <YAxis yAxisId="pct" orientation="right" fontSize={11} width={40} unit=" %" />
              <Tooltip labelFormatter={(label) => `${label} UTC`} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {after && bucketOf(before.to) !== bucketOf(after.from) ? (
                <ReferenceArea
                  yAxisId="ms"
                  x1={bucketOf(before.to)}
                  x2={bucketOf(after.from)}
                  fill="#94a3b8"
                  fillOpacity={0.15}
                  label={{ value: "reload", fontSize: 11 }}
                />
              ) : null}
              <ReferenceLine
                yAxisId="ms"
                x={bucketOf(before.to)}
                stroke="#6b4fbb"
                strokeDasharray="4 2"
                label={{ value: "dispatch", fontSize: 11, position: "insideTopLeft" }}
              />
              {after ? (
                <ReferenceLine
                  yAxisId="ms"
                  x={bucketOf(after.from)}
                  stroke="#15803d"
                  strokeDasharray="4 2"
                  label={{ value: "finished", fontSize: 11, position: "insideTopRight" }}
                />
              ) : null}
              <Line
                yAxisId="ms"
                dataKey="p95"
                stroke="#2f5fd0"
                name="p95 (ms)"
                connectNulls={false}
                isAnimationActive={false}
                dot={false}
              />
              <Line
                yAxisId="pct"
                dataKey="errors"
                stroke="#b91c1c"
                strokeDasharray="5 3"
                name="errors (%)"
                connectNulls={false}
                isAnimationActive={false}
                dot={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
