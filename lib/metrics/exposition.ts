// Prometheus text exposition format 0.0.4, written by hand: a family is its # HELP and
// # TYPE lines followed by all of its samples, label values escaped (\\, \", \n), histograms
// as cumulative _bucket{le} lines ending in +Inf, then _sum and _count. Pure: no I/O.
//
// A full scrape is ~150,000 lines, so the writer works on label *strings*: a caller formats a
// service's labels once (labelPairs) and reuses the text for every sample of that service,
// instead of spreading label objects and escaping the same values again per line (that was
// most of the scrape's time, docs/benchmark.md).

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Record<string, string>;

const NEEDS_ESCAPE = /[\\"\n]/;

/** A label value as the text format wants it inside double quotes. */
export function escapeLabelValue(value: string): string {
  // Almost no value needs escaping; testing first skips the replace's callback machinery.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text escapes only backslash and newline. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/** `a="x",b="y"`: the labels inside the braces, values escaped; "" for none. Join two with joinLabels. */
export function labelPairs(labels: Labels): string {
  let out = "";
  for (const name in labels) out += `${out ? "," : ""}${name}="${escapeLabelValue(labels[name]!)}"`;
  return out;
}

/** Two labelPairs texts as one (either may be empty). */
export function joinLabels(a: string, b: string): string {
  return a && b ? `${a},${b}` : a || b;
}

export function formatLabels(labels: Labels): string {
  const pairs = labelPairs(labels);
  return pairs ? `{${pairs}}` : "";
}

/** A sample value: integers as written, +Inf/-Inf/NaN in the format's spelling. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * A histogram family's fixed text, made once per scrape: for each bound, the tail of its
 * `_bucket` line after the series' labels (`,le="0.5"} `), so a bucket line is three
 * concatenations.
 */
export class HistogramShape {
  readonly bucketTails: string[];
  readonly bucketTailsBare: string[];

  constructor(
    readonly name: string,
    readonly bounds: readonly number[],
  ) {
    const les = [...bounds.map(formatValue), "+Inf"];
    this.bucketTails = les.map((le) => `,le="${le}"} `);
    this.bucketTailsBare = les.map((le) => `le="${le}"} `);
  }
}

/** Chunk size to stream: big enough that per-chunk overhead is nothing, small enough to start sending early. */
const CHUNK_CHARS = 256 * 1024;

/** Collects lines into chunks of ~256 KB, so a family of 60,000 samples is not one string rebuilt per line. */
export class ExpositionWriter {
  private buffer = "";
  readonly chunks: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.buffer += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    return this;
  }

  sample(name: string, labels: Labels, value: number): this {
    return this.samplePairs(name, labelPairs(labels), value);
  }

  /** A sample whose labels are already labelPairs text. */
  samplePairs(name: string, pairs: string, value: number): this {
    this.buffer += `${name}${pairs ? `{${pairs}}` : ""} ${formatValue(value)}\n`;
    if (this.buffer.length >= CHUNK_CHARS) this.flush();
    return this;
  }

  /** Text already in the format (whole lines, each ending in \n), e.g. produced by PostgreSQL. */
  raw(text: string): this {
    if (text.length === 0) return this;
    this.buffer += text;
    if (this.buffer.length >= CHUNK_CHARS) this.flush();
    return this;
  }

  /** One labelled histogram: `cumulativeCounts[i]` = observations ≤ bounds[i] (bounds ascending), `count` = all of them. */
  histogram(
    name: string,
    labels: Labels,
    bounds: readonly number[],
    cumulativeCounts: readonly number[],
    sum: number,
    count: number,
  ): this {
    return this.histogramPairs(new HistogramShape(name, bounds), labelPairs(labels), cumulativeCounts, sum, count);
  }

  /** histogram() with the shape made once per family and the labels as labelPairs text. */
  histogramPairs(
    shape: HistogramShape,
    pairs: string,
    cumulativeCounts: readonly number[],
    sum: number,
    count: number,
  ): this {
    const { name, bounds } = shape;
    const tails = pairs ? shape.bucketTails : shape.bucketTailsBare;
    const head = `${name}_bucket{${pairs}`;
    let text = "";
    for (let i = 0; i < bounds.length; i++) text += `${head}${tails[i]}${cumulativeCounts[i]}\n`;
    text += `${head}${tails[bounds.length]}${count}\n`;
    const braced = pairs ? `{${pairs}}` : "";
    text += `${name}_sum${braced} ${formatValue(sum)}\n${name}_count${braced} ${count}\n`;
    this.buffer += text;
    if (this.buffer.length >= CHUNK_CHARS) this.flush();
    return this;
  }

  /** The chunks completed so far, handed over (for streaming while the rest is written). */
  take(): string[] {
    return this.chunks.splice(0, this.chunks.length);
  }

  /** Ends the current chunk even if it is short (before waiting on something slower). */
  flush(): void {
    if (this.buffer.length === 0) return;
    this.chunks.push(this.buffer);
    this.buffer = "";
  }

  /** The finished body, as chunks to stream. */
  finish(): string[] {
    this.flush();
    return this.chunks;
  }
}
