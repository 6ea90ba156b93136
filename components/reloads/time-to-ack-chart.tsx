"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { HistogramBin } from "@/lib/domain/distribution";
import { formatDuration } from "@/lib/format";

/** How many instances acked within each slice of time after the reload's start. */
export function TimeToAckChart({ bins }: { bins: HistogramBin[] }) {
  const data = bins.map((b) => ({
    label: formatDuration(b.fromMs),
    range: `${formatDuration(b.fromMs)} – ${formatDuration(b.toMs)}`,
    instances: b.count,
  }));
  return (
    <div style={{ width: "100%", height: 180, padding: "8px 8px 0 0" }} data-chart="time-to-ack">
      <ResponsiveContainer>
        <BarChart data={data} barCategoryGap={1}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" fontSize={11} interval="preserveStartEnd" />
          <YAxis allowDecimals={false} fontSize={11} width={32} />
          <Tooltip
            labelFormatter={(_label, payload) => (payload?.[0]?.payload as { range?: string } | undefined)?.range ?? ""}
          />
          <Bar dataKey="instances" fill="#2f5fd0" isAnimationActive={false} name="instances" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
