// The exposition writer's text, line by line: label escaping, labelPairs joined once and
// reused, histogram bucket lines with and without labels, chunks that split only at line ends.
import { describe, expect, test } from "vitest";
import {
  ExpositionWriter,
  HistogramShape,
  escapeLabelValue,
  formatLabels,
  joinLabels,
  labelPairs,
} from "@/lib/metrics/exposition";

describe("escapeLabelValue", () => {
  test.each([
    ["plain", "plain"],
    ["", ""],
    ['a"b', 'a\\"b'],
    ["a\\b", "a\\\\b"],
    ["a\nb", "a\\nb"],
    ['\\"\n', '\\\\\\"\\n'],
    ["\\n", "\\\\n"],
    ["ü€😀\r\t", "ü€😀\r\t"],
  ])("%j → %j", (value, escaped) => {
    expect(escapeLabelValue(value)).toBe(escaped);
  });
});

describe("labelPairs and joinLabels", () => {
  test("pairs in insertion order, values escaped; joined with a comma, empty sides dropped", () => {
    expect(labelPairs({ service: 'we"ird', kind: "config" })).toBe('service="we\\"ird",kind="config"');
    expect(labelPairs({})).toBe("");
    expect(joinLabels('a="1"', 'b="2"')).toBe('a="1",b="2"');
    expect(joinLabels("", 'b="2"')).toBe('b="2"');
    expect(joinLabels('a="1"', "")).toBe('a="1"');
    expect(formatLabels({})).toBe("");
    expect(formatLabels({ a: "x\ny" })).toBe('{a="x\\ny"}');
  });
});

describe("ExpositionWriter", () => {
  test("family, samples from labels and from pairs, raw text, histograms with and without labels", () => {
    const out = new ExpositionWriter();
    out.family("x_total", "counter", "Help with a \\ and a\nnewline.");
    out.sample("x_total", { a: "1" }, 3);
    out.samplePairs("x_total", "", Infinity);
    out.raw('x_total{a="2"} 1\n');
    const shape = new HistogramShape("h_seconds", [0.5, 10]);
    out.histogramPairs(shape, labelPairs({ s: "q" }), [1, 2], 7.25, 3);
    out.histogram("h_seconds", {}, [0.5, 10], [0, 0], 0, 0);
    expect(out.finish().join("")).toBe(
      [
        "# HELP x_total Help with a \\\\ and a\\nnewline.",
        "# TYPE x_total counter",
        'x_total{a="1"} 3',
        "x_total +Inf",
        'x_total{a="2"} 1',
        'h_seconds_bucket{s="q",le="0.5"} 1',
        'h_seconds_bucket{s="q",le="10"} 2',
        'h_seconds_bucket{s="q",le="+Inf"} 3',
        'h_seconds_sum{s="q"} 7.25',
        'h_seconds_count{s="q"} 3',
        'h_seconds_bucket{le="0.5"} 0',
        'h_seconds_bucket{le="10"} 0',
        'h_seconds_bucket{le="+Inf"} 0',
        "h_seconds_sum 0",
        "h_seconds_count 0",
        "",
      ].join("\n"),
    );
  });

  test("a long family comes out in several chunks, each ending at a line end, that add up to every line", () => {
    const out = new ExpositionWriter();
    const pairs = labelPairs({ service: "s".repeat(100) });
    for (let i = 0; i < 20_000; i++) out.samplePairs("big", pairs, i);
    const early = out.take();
    expect(early.length).toBeGreaterThan(1);
    const chunks = [...early, ...out.finish()];
    for (const c of chunks) expect(c.endsWith("\n")).toBe(true);
    const lines = chunks.join("").split("\n");
    expect(lines).toHaveLength(20_001);
    expect(lines[19_999]).toBe(`big{${pairs}} 19999`);
  });
});
