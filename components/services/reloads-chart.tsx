"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

interface Day {
  day: string;
  succeeded: number;
  failed: number;
  other: number;
}

/** Reloads per day over the last two weeks, by outcome. */
export function ReloadsChart({ data }: { data: Day[] }) {
  return (
    <section className="panel" aria-label="Reloads per day">
      <h2>Reloads per day</h2>
      {data.length === 0 ? (
        <p className="empty">No reloads in the last 14 days.</p>
      ) : (
        <div style={{ width: "100%", height: 200, padding: "8px 8px 0 0" }}>
          <ResponsiveContainer>
            <BarChart data={data}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} width={28} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar dataKey="succeeded" stackId="r" fill="#1f7a3d" name="succeeded" />
              <Bar dataKey="failed" stackId="r" fill="#b42318" name="failed / rolled back" />
              <Bar dataKey="other" stackId="r" fill="#2f5fd0" name="in flight / other" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
