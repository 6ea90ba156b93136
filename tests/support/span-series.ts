// A run of OTLP/JSON spans in one trace, for the tests of the reload timeline's span limit
// (tests/integration/reload-spans-cut.test.ts, tests/e2e/reload-spans-cut.test.ts).

const NS_PER_MS = 1_000_000n;

/** `count` spans of `traceId`, each 1 ms long, started a millisecond apart from `startMs`; span ids 1, 2, … in hex. */
export function spanSeries(traceId: string, count: number, startMs: number) {
  return Array.from({ length: count }, (_, i) => {
    const start = BigInt(startMs + i) * NS_PER_MS;
    return {
      traceId,
      spanId: (i + 1).toString(16).padStart(16, "0"),
      name: `step ${i}`,
      kind: 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + NS_PER_MS).toString(),
    };
  });
}
