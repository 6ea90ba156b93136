// Prometheus sources against the real thing (DESIGN.md "Sources"): Debian's Prometheus scraping itself,
// Debian's Alertmanager and a static exposition server, every second; the source added
// through its server action; the worker's source loop querying every half second; the app's
// state (reloads list, reload page, matrix) polled until it shows what happened, within a
// deadline. Alertmanager and Prometheus reload for real through POST /-/reload.
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { generateSecretsKey } from "@/lib/crypto/secret-box";
import { sql } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { freePort } from "@/scripts/next-server";
import { startAlertmanager, type RunningAlertmanager } from "../support/alertmanager";
import { startHttpReceiver, type HttpReceiver } from "../support/http-receiver";
import {
  startExpositionServer,
  startPrometheus,
  startTokenGate,
  type ExpositionServer,
  type RunningPrometheus,
} from "../support/prometheus";
import { asAdmin, asViewer } from "../support/readers";
import { useTestDatabase } from "../support/use-database";

vi.mock("@/lib/auth/actor", async (importOriginal) => ({ ...(await importOriginal<object>()), currentActor: vi.fn() }));
const { currentActor } = await import("@/lib/auth/actor");
const { addSource } = await import("@/lib/sources/actions/add-source");
const { testSource } = await import("@/lib/sources/actions/test-source");
const { removeSource } = await import("@/lib/sources/actions/remove-source");
const { listSources } = await import("@/lib/sources/queries");
const { pollSources } = await import("@/lib/sources/poll");
const { sourcePolling } = await import("@/lib/worker/periodic-jobs");
const { startSchedule } = await import("@/lib/worker/schedule");
const { listReloads, getReload } = await import("@/lib/reloads/queries");
const { getFleetMatrix } = await import("@/lib/fleet/queries");

useTestDatabase();

const ENVOY = `
# TYPE envoy_cluster_manager_cds_update_success counter
envoy_cluster_manager_cds_update_success 3
envoy_cluster_manager_cds_update_rejected 0
envoy_cluster_manager_cds_version 1111
envoy_http_rds_update_success{envoy_http_conn_manager_prefix="outbound_0.0.0.0_8080",envoy_rds_route_config="8080"} 2
envoy_http_rds_update_rejected{envoy_http_conn_manager_prefix="outbound_0.0.0.0_8080",envoy_rds_route_config="8080"} 0
envoy_http_rds_version{envoy_http_conn_manager_prefix="outbound_0.0.0.0_8080",envoy_rds_route_config="8080"} 5555
`;
const TRAEFIK = (lastSuccess: number, failures: number) => `
# TYPE traefik_config_reloads_total counter
traefik_config_reloads_total 4
traefik_config_reloads_failure_total ${failures}
traefik_config_last_reload_success ${lastSuccess}
`;
const COREDNS = (hash: string, failed: number) => `
# TYPE coredns_reload_version_info gauge
coredns_reload_version_info{hash="sha512",value="${hash}"} 1
coredns_reload_failed_total ${failed}
`;

let receiver: HttpReceiver;
let alertmanager: RunningAlertmanager;
let prometheus: RunningPrometheus;
let envoy: ExpositionServer;
let traefik: ExpositionServer;
let coredns: ExpositionServer;
let alertmanagerConfig: string;
let savedKey: string | undefined;

beforeAll(async () => {
  savedKey = process.env.SECRETS_KEY;
  process.env.SECRETS_KEY = generateSecretsKey();
  resetEnvCache();
  receiver = await startHttpReceiver();
  alertmanager = await startAlertmanager(`${receiver.url}/alerts`);
  alertmanagerConfig = await readFile(alertmanager.configFile, "utf8");
  envoy = await startExpositionServer(ENVOY);
  traefik = await startExpositionServer(TRAEFIK(1_765_000_000, 0));
  coredns = await startExpositionServer(COREDNS("aaa111", 0));
  prometheus = await startPrometheus(
    [
      { job: "alertmanager", address: alertmanager.url.replace("http://", "") },
      { job: "istio-proxy", address: envoy.address },
      { job: "traefik", address: traefik.address },
      { job: "coredns", address: coredns.address },
    ],
    { env: "test" },
  );
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  await Promise.all([receiver?.close(), envoy?.close(), traefik?.close(), coredns?.close()]);
  if (savedKey === undefined) delete process.env.SECRETS_KEY;
  else process.env.SECRETS_KEY = savedKey;
  resetEnvCache();
});

let polling: { stop(): Promise<void> } | null = null;
beforeEach(async () => {
  const [row] = await sql().query<{ id: number }[]>(
    `INSERT INTO app_user (username, role) VALUES ('ada', 'admin') RETURNING id`,
  );
  vi.mocked(currentActor).mockResolvedValue({
    id: row!.id,
    username: "ada",
    displayName: "ada",
    role: "admin",
    groups: [],
  } satisfies Actor);
});
afterEach(async () => {
  await polling?.stop();
  polling = null;
});

/** Polls `read` until `holds` is true of its answer; fails with the last answer at the deadline. */
async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  holds: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms; last seen ${JSON.stringify(value, null, 1)?.slice(0, 3000)}\nPrometheus: ${prometheus.output()}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function addAndPoll(input: Record<string, unknown>): Promise<number> {
  const added = await addSource({ name: "prom-test", url: prometheus.url, ...input });
  expect(added).toMatchObject({ ok: true });
  polling = startSchedule([sourcePolling({ intervalMs: 500 })]);
  return (added as { data: { sourceId: number } }).data.sourceId;
}

const reloadsOf = (service: string) => asViewer(() => listReloads({ service, environment: "test", limit: 50 }));

/** The value Alertmanager itself exposes for its config hash. */
async function alertmanagerHash(): Promise<number> {
  const text = await (await fetch(`${alertmanager.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("alertmanager_config_hash "));
  return Number(line!.split(" ")[1]);
}

async function heartbeatVersion(service: string, resource: string): Promise<string | null> {
  const [row] = await sql().query<{ version: string | null }[]>(
    `SELECT st.version FROM instance_state st JOIN instance i ON i.id = st.instance_id JOIN service s ON s.id = i.service_id
     WHERE s.name = $1 AND st.resource = $2`,
    service,
    resource,
  );
  return row?.version ?? null;
}

describe("Alertmanager reloading for real", () => {
  test("a new config's hash is applied on Alertmanager's instance; a broken one is nacked, with drift on the matrix; fixed, applied again", async () => {
    await addAndPoll({});
    const instance = alertmanager.url.replace("http://", "");
    const before = await alertmanagerHash();
    await waitFor(
      "the running hash, heard",
      () => heartbeatVersion("alertmanager", "alertmanager.yml"),
      (v) => v !== null && Number(v) === before,
    );

    await writeFile(alertmanager.configFile, alertmanagerConfig.replace("repeat_interval: 1h", "repeat_interval: 2h"));
    expect((await alertmanager.reload()).status).toBe(200);
    const after = await alertmanagerHash();
    expect(after).not.toBe(before);
    const applied = await waitFor(
      "the reload applied",
      () => reloadsOf("alertmanager"),
      ({ items }) => items.some((r) => r.toVersion !== null && Number(r.toVersion) === after),
    );
    const reload = applied.items.find((r) => Number(r.toVersion) === after)!;
    expect(reload).toMatchObject({
      status: "succeeded",
      kind: "config",
      resource: "alertmanager.yml",
      initiator: "source:prom-test",
      targets: 1,
      acked: 1,
    });
    expect(Number(reload.fromVersion)).toBe(before);
    const detail = await asViewer(() => getReload(reload.key));
    expect(detail?.instances).toEqual([expect.objectContaining({ instance, phase: "applied" })]);
    expect(Number(detail!.instances[0]!.version)).toBe(after);

    await writeFile(alertmanager.configFile, `${alertmanagerConfig}\nthis is: [not, a valid alertmanager config\n`);
    expect((await alertmanager.reload()).status).not.toBe(200);
    const nacked = await waitFor(
      "the failed reload",
      () => reloadsOf("alertmanager"),
      ({ items }) => items.some((r) => r.status === "failed"),
    );
    const failed = nacked.items.find((r) => r.status === "failed")!;
    expect(failed).toMatchObject({ nacked: 1, initiator: "source:prom-test" });
    expect((await asViewer(() => getReload(failed.key)))?.instances).toEqual([
      expect.objectContaining({
        instance,
        phase: "nacked",
        error: "alertmanager_config_last_reload_successful is 0: the last configuration reload failed",
      }),
    ]);
    // Past the drift threshold, the matrix shows the instance left on the old hash as drift.
    const later = new Date(Date.now() + 10 * 60_000);
    const matrix = await asViewer(() =>
      getFleetMatrix(
        { env: "test", ns: undefined, kind: undefined, q: "alertmanager", drifting: false, page: 1 },
        later,
      ),
    );
    const cell = matrix.groups
      .flatMap((g) => g.rows)
      .find((r) => r.service.name === "alertmanager")!
      .cells.config!.find((c) => c.resource === "alertmanager.yml")!;
    expect(cell).toMatchObject({
      nacked: 1,
      drift: expect.objectContaining({ drifting: true, reasons: ["off_desired"] }),
    });
    expect(Number(cell.versions[0]!.version)).toBe(after);

    // The source saw each reload once: the events it wrote are not written again by later queries.
    const count = async () =>
      Number(
        (
          await sql().query<{ n: string }[]>(
            `SELECT count(*) AS n FROM reload_event WHERE phase IN ('applied', 'nacked')`,
          )
        )[0]!.n,
      );
    const written = await count();
    await pollSources();
    await pollSources();
    expect(await count()).toBe(written);

    await writeFile(alertmanager.configFile, alertmanagerConfig);
    expect((await alertmanager.reload()).status).toBe(200);
    await waitFor(
      "applied again",
      () => reloadsOf("alertmanager"),
      ({ items }) => items.filter((r) => r.status === "succeeded" && Number(r.toVersion) === before).length === 1,
    );
  });
});

describe("Prometheus reloading its own config", () => {
  test("a reload is applied with its success time as the version; a broken config is nacked", async () => {
    await addAndPoll({});
    await waitFor(
      "Prometheus heard",
      () => heartbeatVersion("prometheus", "prometheus.yml"),
      (v) => v !== null,
    );
    await prometheus.writeConfig("# a comment that changes the file");
    expect((await prometheus.reload()).status).toBe(200);
    // As Prometheus exposes it itself (its query API answers what was scraped up to a second ago).
    const own = await (await fetch(`${prometheus.url}/metrics`)).text();
    const success = own
      .split("\n")
      .find((l) => l.startsWith("prometheus_config_last_reload_success_timestamp_seconds "))!
      .split(" ")[1];
    const version = new Date(Math.round(Number(success) * 1000)).toISOString();
    const applied = await waitFor(
      "the reload applied",
      () => reloadsOf("prometheus"),
      ({ items }) => items.some((r) => r.toVersion === version),
    );
    expect(applied.items.find((r) => r.toVersion === version)).toMatchObject({
      status: "succeeded",
      resource: "prometheus.yml",
      initiator: "source:prom-test",
    });

    await prometheus.writeConfig("scrape_configs: [this is not valid");
    expect((await prometheus.reload()).status).not.toBe(200);
    const nacked = await waitFor(
      "the failed reload",
      () => reloadsOf("prometheus"),
      ({ items }) => items.some((r) => r.status === "failed"),
    );
    expect(nacked.items.find((r) => r.status === "failed")).toMatchObject({ nacked: 1, resource: "prometheus.yml" });

    await prometheus.writeConfig();
    expect((await prometheus.reload()).status).toBe(200);
    await waitFor(
      "applied again",
      () => reloadsOf("prometheus"),
      ({ items }) => items.filter((r) => r.status === "succeeded").length === 2,
    );
  });
});

describe("Envoy, Traefik and CoreDNS exposition scraped by Prometheus", () => {
  test("their real metric names: a new CDS version and a new Corefile hash applied, an RDS NACK and a Traefik failure nacked", async () => {
    await addAndPoll({});
    await waitFor(
      "all three heard",
      () => heartbeatVersion("coredns", "Corefile"),
      (v) => v === "aaa111",
    );
    await waitFor(
      "envoy heard",
      () => heartbeatVersion("istio-proxy", "cds"),
      (v) => v === "1111",
    );
    await waitFor(
      "traefik heard",
      () => heartbeatVersion("traefik", "dynamic configuration"),
      (v) => v !== null,
    );

    envoy.set(
      ENVOY.replace("envoy_cluster_manager_cds_version 1111", "envoy_cluster_manager_cds_version 2222").replace(
        /(envoy_http_rds_update_rejected\{[^}]*\}) 0/,
        "$1 1",
      ),
    );
    coredns.set(COREDNS("bbb222", 0));
    traefik.set(TRAEFIK(1_765_000_000, 1));

    await waitFor(
      "the CDS version applied",
      () => reloadsOf("istio-proxy"),
      ({ items }) => items.some((r) => r.resource === "cds" && r.toVersion === "2222" && r.status === "succeeded"),
    );
    const rds = await waitFor(
      "the RDS NACK",
      () => reloadsOf("istio-proxy"),
      ({ items }) => items.some((r) => r.resource === "rds/8080" && r.status === "failed"),
    );
    expect(rds.items.find((r) => r.resource === "rds/8080")).toMatchObject({ kind: "routes", nacked: 1 });
    await waitFor(
      "the Corefile applied",
      () => reloadsOf("coredns"),
      ({ items }) =>
        items.some((r) => r.toVersion === "bbb222" && r.fromVersion === "aaa111" && r.status === "succeeded"),
    );
    await waitFor(
      "the Traefik failure",
      () => reloadsOf("traefik"),
      ({ items }) => items.some((r) => r.status === "failed"),
    );
  });
});

describe("a source that cannot be queried", () => {
  test("a wrong URL or token shows the error on its page and writes nothing; the right token queries", async () => {
    const gate = await startTokenGate(prometheus.url, "the-right-token");
    try {
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      expect(await addSource({ name: "nowhere", url: nowhere })).toMatchObject({ ok: true });
      expect(await addSource({ name: "wrong-token", url: gate.url, token: "not-the-token" })).toMatchObject({
        ok: true,
      });
      const outcomes = await pollSources();
      expect(outcomes.map((o) => o.ok)).toEqual([false, false]);
      const sources = await asAdmin(() => listSources());
      expect(sources.find((s) => s.name === "nowhere")).toMatchObject({
        lastError: expect.stringContaining("connection refused"),
        lastQueryAt: expect.any(Date),
        lastSuccessAt: null,
      });
      expect(sources.find((s) => s.name === "wrong-token")).toMatchObject({
        lastError: expect.stringContaining("401"),
        hasToken: true,
      });
      expect(sources.find((s) => s.name === "wrong-token")!.lastError).toContain("the source's token was refused");
      expect(await sql().query(`SELECT 1 FROM reload_event`)).toEqual([]);
      expect(await sql().query(`SELECT 1 FROM service`)).toEqual([]);
      expect(await sql().query(`SELECT 1 FROM source_series`)).toEqual([]);

      // Test says the same at once.
      const wrong = sources.find((s) => s.name === "wrong-token")!;
      expect(await testSource({ sourceId: wrong.id })).toMatchObject({
        ok: true,
        data: { ok: false, error: expect.stringContaining("401") },
      });

      const added = await addSource({ name: "right-token", url: gate.url, token: "the-right-token" });
      const id = (added as { data: { sourceId: number } }).data.sourceId;
      const tested = await testSource({ sourceId: id });
      expect(tested).toMatchObject({ ok: true, data: { ok: true, error: null } });
      expect(
        (tested as { data: { mapped: { mapsTo: string | null }[] } }).data.mapped.some((m) =>
          m.mapsTo?.includes("alertmanager.yml"),
        ),
      ).toBe(true);
      // The token is sealed in the database and named nowhere in the audit log.
      const [stored] = await sql().query<{ token_ciphertext: string }[]>(
        `SELECT token_ciphertext FROM prometheus_source WHERE id = $1`,
        id,
      );
      expect(stored!.token_ciphertext).toMatch(/^v1\./);
      expect(stored!.token_ciphertext).not.toContain("the-right-token");
      const audit = await sql().query<{ action: string; details: unknown }[]>(
        `SELECT action, details FROM audit_log ORDER BY id`,
      );
      expect(JSON.stringify(audit)).not.toContain("the-right-token");
      expect(JSON.stringify(audit)).not.toContain("not-the-token");
      // three adds, two tests
      expect(audit.map((a) => a.action)).toEqual(Array(5).fill("source.manage"));

      expect(await removeSource({ sourceId: id })).toMatchObject({ ok: true });
      expect((await asAdmin(() => listSources())).map((s) => s.name).sort()).toEqual(["nowhere", "wrong-token"]);
    } finally {
      await gate.close();
    }
  });
});

describe("the source actions", () => {
  test("bad input is a field error naming the problem; a viewer is refused", async () => {
    expect(await addSource({ name: "x", url: "ftp://prometheus:9090" })).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { url: ["Use an http or https URL."] },
    });
    expect(await addSource({ name: "x", url: "http://user:pw@prometheus:9090" })).toMatchObject({
      ok: false,
      fieldErrors: { url: [expect.stringContaining("Leave credentials out")] },
    });
    expect(await addSource({ name: "x", url: "http://p:9090", rules: "my_metric flags" })).toMatchObject({
      ok: false,
      fieldErrors: { rules: ["line 1: write “metric kind resource [versionLabel]”"] },
    });
    expect(await addSource({ name: "has space", url: "http://p:9090" })).toMatchObject({
      ok: false,
      fieldErrors: { name: [expect.stringContaining("Letters, digits")] },
    });
    expect(await addSource({ name: "dup", url: "http://p:9090" })).toMatchObject({ ok: true });
    expect(await addSource({ name: "dup", url: "http://p:9090" })).toMatchObject({
      ok: false,
      code: "conflict",
      fieldErrors: { name: [expect.any(String)] },
    });
    vi.mocked(currentActor).mockResolvedValue({
      id: 999,
      username: "vic",
      displayName: "vic",
      role: "viewer",
      groups: [],
    });
    expect(await addSource({ name: "mine", url: "http://p:9090" })).toMatchObject({ ok: false, code: "forbidden" });
    await expect(asViewer(() => listSources())).rejects.toThrow(/source\.manage/);
  });
});
