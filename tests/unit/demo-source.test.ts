import { describe, expect, test } from "vitest";
import { DEMO_SOURCE_SETTINGS, demoSourceSamples } from "@/lib/demo/demo-source-recording";
import { mapSourceSamples } from "@/lib/domain/source-mapping";
import { parseEvents } from "@/lib/ingest/parse-events";

const NOW = new Date("2026-12-07T12:00:00.000Z");

describe("the demo source's recording", () => {
  const { events, series } = mapSourceSamples({ ...DEMO_SOURCE_SETTINGS, id: 1 }, [], demoSourceSamples(NOW));
  const seen = events.filter((e) => e.phase !== "dispatched").map((e) => [e.service, e.instance, e.resource, e.phase]);

  test("tells a rollout, a refused config, an xDS NACK and a quiet Prometheus reload, in the catalogue's terms", () => {
    expect(seen).toEqual(
      expect.arrayContaining([
        ["alertmanager", "alertmanager-0:9093", "alertmanager.yml", "applied"],
        ["alertmanager", "alertmanager-1:9093", "alertmanager.yml", "applied"],
        ["alertmanager", "alertmanager-1:9093", "alertmanager.yml", "nacked"],
        ["prometheus", "prometheus-0:9090", "prometheus.yml", "applied"],
        ["checkout-sidecar", "checkout-api-7d9f-x2k1:15090", "cds", "applied"],
        ["checkout-sidecar", "checkout-api-7d9f-x2k1:15090", "rds/8080", "nacked"],
        ["coredns", "10.96.0.10:9153", "Corefile", "applied"],
      ]),
    );
    expect(seen).toHaveLength(7);
    expect(series.every((s) => s.mapping !== null)).toBe(true);
    expect(events.every((e) => e.initiator === "source:demo-recorded")).toBe(true);
  });

  test("every event is valid and within the last hour", () => {
    const parsed = parseEvents(events, "json", 1000, { now: NOW, retentionMs: 86_400_000 });
    expect(parsed.rejected).toEqual([]);
    expect(
      events.every(
        (e) => Date.parse(e.occurredAt) > NOW.getTime() - 3_600_000 && Date.parse(e.occurredAt) <= NOW.getTime(),
      ),
    ).toBe(true);
  });
});
