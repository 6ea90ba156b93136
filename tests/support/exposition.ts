// Prometheus text exposition (the lines a server's /metrics answers, HELP/TYPE skipped) read
// into series, for the source tests: what Envoy, Traefik and CoreDNS would expose, in their
// real metric names, without running them.
import type { SeriesSamples } from "@/lib/domain/source-mapping";

export interface ExposedSample {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): ExposedSample[] {
  const samples: ExposedSample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, "$1");
    samples.push({ metric: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Scrapes of one target (exposition text at scrape times, epoch ms) as the series a range query answers, with the target's labels added. */
export function scrapes(target: Record<string, string>, ...at: [number, string][]): SeriesSamples[] {
  const series = new Map<string, SeriesSamples>();
  for (const [time, text] of at) {
    for (const s of parseExposition(text)) {
      const labels = { ...s.labels, ...target };
      const key = JSON.stringify([s.metric, Object.entries(labels).sort()]);
      const entry = series.get(key) ?? { metric: s.metric, labels, points: [] };
      entry.points.push({ at: time, value: s.value });
      series.set(key, entry);
    }
  }
  return [...series.values()];
}
