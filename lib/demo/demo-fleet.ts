// The demo fleet: a dozen services over two environments with a few days of reload history,
// produced as wire-format events so they enter through the same ingest path as a real
// service's. Deterministic for a given clock, so a screenshot or test can rely on its shape.
import { seededRandom } from "@/lib/random";

interface DemoResource {
  kind: string;
  resource: string;
  versions: string[];
}

interface DemoService {
  environment: string;
  namespace: string;
  name: string;
  instances: number;
  region: string;
  resources: DemoResource[];
}

type WireEvent = Record<string, unknown>;

const HOUR = 3_600_000;
const MINUTE = 60_000;

export const DEMO_SERVICES: DemoService[] = [
  svc("prod", "payments", "checkout-api", 8, "eu-west-1", [
    res("config", "checkout.yaml", ["a41c9e0", "b7d2f11", "c93e0a4"]),
    res("routes", "routes.yaml", ["r-2201", "r-2202"]),
    res("flags", "flags.json", ["f-88", "f-89", "f-90"]),
  ]),
  svc("prod", "payments", "ledger", 4, "eu-west-1", [
    res("config", "ledger.toml", ["5e1d2c0", "6a0b3f9"]),
    res("certificate", "ledger-tls", ["cert-2026-08", "cert-2026-11"]),
  ]),
  svc("prod", "payments", "fraud-scorer", 6, "eu-west-1", [
    res("model", "fraud-model", ["fraud-gbm@2026-11-12", "fraud-gbm@2026-11-19"]),
    res("config", "thresholds.yaml", ["t-31", "t-32"]),
  ]),
  svc("prod", "search", "search-api", 10, "us-east-1", [
    res("config", "search.yaml", ["91ac03e", "92f7b1d"]),
    res("cache", "synonyms", ["syn-417", "syn-418", "syn-419"]),
  ]),
  // Drifting: one instance still runs the old ranking config after the last reload.
  svc("prod", "search", "indexer", 5, "us-east-1", [
    res("config", "ranking.yaml", ["rk-7", "rk-8"]),
    res("data", "stopwords", ["sw-3"]),
  ]),
  // The failed reload: a policy that does not compile anywhere.
  svc("prod", "identity", "auth-gateway", 6, "eu-central-1", [
    res("policy", "authz.rego", ["p-1207", "p-1208"]),
    res("certificate", "gateway-tls", ["cert-2026-09", "cert-2026-11"]),
  ]),
  svc("prod", "assistant", "chat-service", 7, "us-west-2", [
    res("prompt", "system-prompt", ["prompt-v13", "prompt-v14"]),
    res("model", "chat-model", ["chat-llm@2026-10-30", "chat-llm@2026-11-18"]),
    res("config", "limits.yaml", ["l-55"]),
  ]),
  // The NACK: one proxy refuses the new routes.
  svc("prod", "edge", "ingress", 9, "eu-west-1", [
    res("routes", "routes.yaml", ["rt-5120", "rt-5121"]),
    res("certificate", "wildcard-tls", ["cert-2026-10"]),
  ]),
  svc("staging", "payments", "checkout-api", 3, "eu-west-1", [
    res("config", "checkout.yaml", ["b7d2f11", "c93e0a4", "d0a51be"]),
    res("routes", "routes.yaml", ["r-2202", "r-2203"]),
  ]),
  svc("staging", "search", "search-api", 3, "us-east-1", [res("config", "search.yaml", ["92f7b1d", "93aa0c2"])]),
  svc("staging", "assistant", "chat-service", 4, "us-west-2", [
    res("prompt", "system-prompt", ["prompt-v14", "prompt-v15"]),
    res("model", "chat-model", ["chat-llm@2026-11-18", "chat-llm@2026-11-21"]),
  ]),
  svc("staging", "edge", "ingress", 3, "eu-west-1", [res("routes", "routes.yaml", ["rt-5121", "rt-5122"])]),
];

function svc(
  environment: string,
  namespace: string,
  name: string,
  instances: number,
  region: string,
  resources: DemoResource[],
): DemoService {
  return { environment, namespace, name, instances, region, resources };
}
function res(kind: string, resource: string, versions: string[]): DemoResource {
  return { kind, resource, versions };
}

const hex = (rand: () => number, digits: number) =>
  Array.from({ length: digits }, () => Math.floor(rand() * 16).toString(16)).join("");

export interface DemoOptions {
  now: Date;
  days?: number;
}

/** All demo events, oldest first. */
export function demoFleetEvents({ now, days = 3 }: DemoOptions): WireEvent[] {
  const rand = seededRandom(20261122);
  const events: WireEvent[] = [];
  const start = now.getTime() - days * 24 * HOUR;
  let seq = 0;
  const id = () => `demo-${(++seq).toString().padStart(6, "0")}`;

  for (const service of DEMO_SERVICES) {
    const base = { environment: service.environment, namespace: service.namespace, service: service.name };
    const instances = Array.from({ length: service.instances }, (_, i) => ({
      name: `${service.name}-${hex(rand, 4)}-${hex(rand, 4)}`,
      labels: {
        region: service.region,
        zone: `${service.region}${"abc"[i % 3]}`,
        host: `ip-10-${service.environment === "prod" ? 0 : 8}-${Math.floor(rand() * 250)}-${Math.floor(rand() * 250)}`,
      },
    }));
    const traceId = () => hex(rand, 32);
    const spanId = () => hex(rand, 16);
    const key = `${service.environment}/${service.namespace}/${service.name}`;

    for (const r of service.resources) {
      const running = new Map(instances.map((inst) => [inst.name, r.versions[0]!]));
      const heartbeat = (inst: (typeof instances)[number], version: string | undefined, atMs: number) =>
        events.push({
          ...base,
          id: id(),
          instance: inst.name,
          labels: inst.labels,
          kind: r.kind,
          resource: r.resource,
          phase: "heartbeat",
          toVersion: version,
          occurredAt: iso(atMs),
        });
      // Start of history: every instance reports the first version.
      for (const inst of instances) heartbeat(inst, r.versions[0], start + rand() * 10 * MINUTE);
      // Each later version is one reload, spread over the days of history.
      const reloads = r.versions.length - 1;
      for (let v = 1; v <= reloads; v++) {
        const from = r.versions[v - 1]!;
        const to = r.versions[v]!;
        const at = start + (v / (reloads + 1)) * days * 24 * HOUR + rand() * 2 * HOUR;
        const scenario = scenarioFor(key, r, v === reloads);
        const reloadId = `rl-${hex(rand, 6)}`;
        const trace = traceId();
        const initiator =
          scenario === "fails"
            ? "person:maria.k"
            : rand() < 0.5
              ? "pipeline:deploy"
              : `person:${["sam.o", "li.w", "ana.p"][Math.floor(rand() * 3)]}`;
        const control = {
          ...base,
          reloadId,
          kind: r.kind,
          resource: r.resource,
          fromVersion: from,
          toVersion: to,
          initiator,
          traceId: trace,
        };
        events.push({ ...control, id: id(), phase: "requested", occurredAt: iso(at) });
        events.push({
          ...control,
          id: id(),
          phase: "approved",
          initiator: "person:approver.jo",
          occurredAt: iso(at + 4 * MINUTE),
        });
        const dispatchAt = at + 5 * MINUTE;
        events.push({ ...control, id: id(), phase: "dispatched", occurredAt: iso(dispatchAt), spanId: spanId() });
        instances.forEach((inst, i) => {
          const one = { ...control, instance: inst.name, labels: inst.labels, spanId: spanId() };
          let t = dispatchAt + 200 + rand() * 3000;
          for (const phase of ["received", "parsed", "validated"]) {
            const durationMs = Math.round(5 + rand() * 120);
            events.push({ ...one, id: id(), phase, occurredAt: iso(t), durationMs });
            t += durationMs + rand() * 50;
          }
          if (scenario === "fails") {
            events.push({
              ...one,
              id: id(),
              phase: "failed",
              occurredAt: iso(t),
              error: "policy compile error: rego_type_error: undefined ref: input.request.auth.claims.groups",
            });
            return;
          }
          if (scenario === "one-nack" && i === 2) {
            events.push({
              ...one,
              id: id(),
              phase: "nacked",
              occurredAt: iso(t),
              error: "route conflict: host api.example.com is claimed by two virtual hosts",
            });
            return;
          }
          if (scenario === "one-stuck" && i === instances.length - 1) {
            // Received but never applied: the instance stays on the old version.
            return;
          }
          const applyMs = Math.round(20 + rand() * 400);
          events.push({ ...one, id: id(), phase: "applied", occurredAt: iso(t + applyMs), durationMs: applyMs });
          events.push({ ...one, id: id(), phase: "acked", occurredAt: iso(t + applyMs + 30 + rand() * 200) });
          running.set(inst.name, to);
        });
      }
      // Heartbeats every six hours since the start, and a final one a few minutes ago.
      for (const inst of instances) {
        for (let t = start + 6 * HOUR; t < now.getTime() - 30 * MINUTE; t += 6 * HOUR) {
          heartbeat(inst, versionAt(events, key, inst.name, r, t), t + rand() * MINUTE);
        }
        heartbeat(inst, running.get(inst.name), now.getTime() - (2 + rand() * 8) * MINUTE);
      }
    }
  }
  return events.sort((a, b) => String(a.occurredAt).localeCompare(String(b.occurredAt)));
}

type Scenario = "normal" | "fails" | "one-nack" | "one-stuck";

function scenarioFor(serviceKey: string, r: DemoResource, isLast: boolean): Scenario {
  if (!isLast) return "normal";
  if (serviceKey === "prod/identity/auth-gateway" && r.kind === "policy") return "fails";
  if (serviceKey === "prod/edge/ingress" && r.kind === "routes") return "one-nack";
  if (serviceKey === "prod/search/indexer" && r.kind === "config") return "one-stuck";
  return "normal";
}

/** What an instance ran at time t, from the success events generated so far. */
function versionAt(events: WireEvent[], serviceKey: string, instance: string, r: DemoResource, t: number): string {
  let version = r.versions[0]!;
  let versionAtTime = 0;
  for (const e of events) {
    if (e.instance !== instance || e.kind !== r.kind || e.resource !== r.resource) continue;
    if (`${e.environment}/${e.namespace}/${e.service}` !== serviceKey) continue;
    if (e.phase !== "acked" && e.phase !== "applied") continue;
    const at = Date.parse(String(e.occurredAt));
    if (at <= t && at >= versionAtTime) {
      version = String(e.toVersion);
      versionAtTime = at;
    }
  }
  return version;
}

function iso(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}
