// The embedded demo's source of recorded samples (DESIGN.md "Sources"): seeded once where the demo
// fleet is, listed as a demo on /admin/sources with the series it mapped, its reloads linked
// to it by their initiator, never queried by the worker.
import { describe, expect, test } from "vitest";
import { sql } from "@/lib/db/client";
import { ensureDemoSource } from "@/lib/demo/demo-source";
import { seedDemoFleet } from "@/lib/demo/seed-demo";
import { listReloads } from "@/lib/reloads/queries";
import { pollSources } from "@/lib/sources/poll";
import { listSources } from "@/lib/sources/queries";
import { asAdmin, asViewer } from "../support/readers";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

describe("the demo source", () => {
  test("is seeded once with the demo fleet, labelled a demo, and never queried", async () => {
    expect(await ensureDemoSource()).toBeNull();
    await seedDemoFleet();
    const seeded = await ensureDemoSource();
    expect(seeded?.events).toBeGreaterThan(10);
    expect(await ensureDemoSource()).toBeNull();

    const [source] = await asAdmin(() => listSources());
    expect(source).toMatchObject({
      name: "demo-recorded",
      demo: true,
      hasToken: false,
      lastError: null,
      lastQueryAt: expect.any(Date),
    });
    expect(source!.url).toContain("no Prometheus runs in the demo");
    expect(source!.series.length).toBeGreaterThan(10);
    expect(source!.series.every((s) => s.mapping !== null)).toBe(true);

    const { items } = await asViewer(() => listReloads({ initiator: "source:demo-recorded", limit: 50 }));
    expect(items.map((r) => [r.service, r.resource, r.status]).sort()).toEqual(
      [
        ["alertmanager", "alertmanager.yml", "succeeded"],
        ["alertmanager", "alertmanager.yml", "succeeded"],
        ["alertmanager", "alertmanager.yml", "failed"],
        ["checkout-sidecar", "cds", "succeeded"],
        ["checkout-sidecar", "rds/8080", "failed"],
        ["coredns", "Corefile", "succeeded"],
        ["prometheus", "prometheus.yml", "succeeded"],
      ].sort(),
    );
    expect(await pollSources()).toEqual([]);
  });

  test("is not made where no demo fleet is", async () => {
    await sql().execute(`INSERT INTO service (environment, name) VALUES ('prod', 'real')`);
    expect(await ensureDemoSource()).toBeNull();
    expect(await sql().query(`SELECT 1 FROM prometheus_source`)).toEqual([]);
  });
});
