// The benchmark's synthetic fleet and its event stream: 1,000 services × 20 instances × 3
// resources. The stream opens with one heartbeat per (instance, resource), so the read model
// ends with exactly services × instances × resources rows, then runs mostly heartbeats with
// reloads woven in (requested → dispatched → received → applied → acked, a few nacked).
// Deterministic (seeded), so two runs send the same rows. Every event is one the ingest's rules
// accept: occurredAt in the past (the window ends a minute before the run) and inside the
// retention window, one reloadId per reload, `dispatched` naming its targetCount.
import { seededRandom } from "@/lib/random";

export const RESOURCES = [
  { kind: "config", resource: "app.yaml", prefix: "cfg-" },
  { kind: "routes", resource: "routes.yaml", prefix: "rt-" },
  { kind: "model", resource: "ranker", prefix: "ranker-" },
] as const;

const REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"] as const;

export interface FleetShape {
  services: number;
  instancesPerService: number;
}

export interface ServiceInfo {
  environment: string;
  namespace: string;
  name: string;
}

/** One event in wire form, plus the indexes the raw-insert path needs (service, instance). */
export interface BenchEvent {
  wire: WireEvent;
  /** 0-based service index; the raw database gives it id serviceIdx + 1 */
  serviceIdx: number;
  /** 0-based global instance index (serviceIdx × instancesPerService + k), or -1 for control-plane events */
  instanceIdx: number;
}

export interface WireEvent {
  id: string;
  reloadId?: string;
  environment: string;
  namespace: string;
  service: string;
  instance?: string;
  labels?: Record<string, string>;
  kind: string;
  resource: string;
  phase: string;
  fromVersion?: string;
  toVersion?: string;
  initiator?: string;
  occurredAt: string;
  durationMs?: number;
  error?: string;
  traceId?: string;
  spanId?: string;
  attributes?: Record<string, unknown>;
  /** on `dispatched`: how many instances the control plane sent the reload to (its scope, the M of "N of M") */
  targetCount?: number;
}

export const DEFAULT_RELOAD_SHARE = 0.15;

/**
 * The event-time window of a stream of `totalEvents`, ending a minute ago. Event time runs at
 * the rate the modelled fleet would produce events: every (instance, resource) sends a
 * heartbeat every `heartbeatS` seconds and reloads add their share on top. So the gaps between
 * one instance's events match a live fleet (what "touch at most once a minute" logic keys on),
 * and no event is in the future however fast the endpoint is.
 */
export function liveWindow(
  totalEvents: number,
  shape: FleetShape,
  options: { heartbeatS?: number; reloadShare?: number; now?: number; maxSpanMs?: number } = {},
): { startAt: number; endAt: number; eventsPerSecond: number } {
  const triples = shape.services * shape.instancesPerService * RESOURCES.length;
  const eventsPerSecond = triples / (options.heartbeatS ?? 15) / (1 - (options.reloadShare ?? DEFAULT_RELOAD_SHARE));
  const endAt = (options.now ?? Date.now()) - 60_000;
  const span = Math.min((totalEvents / eventsPerSecond) * 1000, options.maxSpanMs ?? Infinity);
  return { startAt: endAt - span, endAt, eventsPerSecond };
}

interface PendingStep {
  phase: "requested" | "dispatched" | "received" | "applied" | "acked" | "nacked";
  instance: number; // local index within the service, -1 for control-plane steps
}

interface ActiveReload {
  id: string;
  serviceIdx: number;
  resourceIdx: number;
  from: string;
  to: string;
  initiator: string;
  traceId: string;
  steps: PendingStep[];
  next: number;
}

export interface GeneratorOptions extends FleetShape {
  /** events the whole run will hold; spaces occurredAt so the last one lands just before `endAt` */
  totalEvents: number;
  /** occurredAt of the first event */
  startAt: number;
  /** occurredAt of the last event (must not be in the future) */
  endAt: number;
  /** share of events (after the opening heartbeats) that belong to reloads */
  reloadShare?: number;
  /** reloads in flight at once */
  concurrentReloads?: number;
  /** chance that one instance refuses a reload (nacked) */
  nackRate?: number;
  seed?: number;
}

export class EventStream {
  readonly shape: FleetShape;
  readonly triples: number;
  readonly services: ServiceInfo[];
  private readonly instanceKeys: string[];
  private readonly instanceLabels: Record<string, string>[];
  /** version each (instance, resource) runs now, index instanceIdx × 3 + resourceIdx */
  private readonly running: string[];
  /** last target version per (service, resource), index serviceIdx × 3 + resourceIdx */
  private readonly desired: string[];
  private readonly reloadCount: number[];
  private readonly active: ActiveReload[] = [];
  private readonly random: () => number;
  private readonly dt: number;
  private readonly reloadShare: number;
  private readonly concurrentReloads: number;
  private readonly nackRate: number;
  private rr = 0;
  private hbCursor = 0;
  private reloadsStarted = 0;
  /** events produced so far */
  produced = 0;
  counts: Record<string, number> = {};

  constructor(private readonly options: GeneratorOptions) {
    this.shape = { services: options.services, instancesPerService: options.instancesPerService };
    this.random = seededRandom(options.seed ?? 20261122);
    this.reloadShare = options.reloadShare ?? DEFAULT_RELOAD_SHARE;
    this.concurrentReloads = options.concurrentReloads ?? 8;
    this.nackRate = options.nackRate ?? 0.02;
    this.dt = (options.endAt - options.startAt) / Math.max(1, options.totalEvents - 1);
    const instances = options.services * options.instancesPerService;
    this.triples = instances * RESOURCES.length;
    this.services = [];
    for (let s = 0; s < options.services; s++) {
      this.services.push({
        environment: s % 10 < 8 ? "prod" : "staging",
        namespace: `team-${String(s % 25).padStart(2, "0")}`,
        name: `svc-${String(s).padStart(4, "0")}`,
      });
    }
    this.instanceKeys = new Array(instances);
    this.instanceLabels = new Array(instances);
    for (let g = 0; g < instances; g++) {
      const s = Math.floor(g / options.instancesPerService);
      const k = g % options.instancesPerService;
      const region = REGIONS[s % REGIONS.length]!;
      this.instanceKeys[g] = `${this.services[s]!.name}-${this.hex(5)}-${String(k).padStart(2, "0")}`;
      this.instanceLabels[g] = {
        region,
        zone: `${region}${"abc"[k % 3]}`,
        host: `ip-10-${(g >> 16) & 255}-${(g >> 8) & 255}-${g & 255}`,
        pod: this.instanceKeys[g]!,
      };
    }
    this.desired = [];
    this.reloadCount = [];
    for (let s = 0; s < options.services; s++) {
      for (let r = 0; r < RESOURCES.length; r++) {
        this.desired.push(`${RESOURCES[r]!.prefix}1-${this.hex(7)}`);
        this.reloadCount.push(1);
      }
    }
    this.running = new Array(this.triples);
    for (let t = 0; t < this.triples; t++) {
      const g = Math.floor(t / RESOURCES.length);
      const s = Math.floor(g / options.instancesPerService);
      this.running[t] = this.desired[s * RESOURCES.length + (t % RESOURCES.length)]!;
    }
  }

  instanceKey(instanceIdx: number): string {
    return this.instanceKeys[instanceIdx]!;
  }

  instanceLabelsOf(instanceIdx: number): Record<string, string> {
    return this.instanceLabels[instanceIdx]!;
  }

  get reloads(): number {
    return this.reloadsStarted;
  }

  private hex(chars: number): string {
    let out = "";
    while (out.length < chars)
      out += Math.floor(this.random() * 0x100000000)
        .toString(16)
        .padStart(8, "0");
    return out.slice(0, chars);
  }

  /** The next `n` events (fewer when the run's total is reached). */
  take(n: number): BenchEvent[] {
    const out: BenchEvent[] = [];
    const end = Math.min(this.options.totalEvents, this.produced + n);
    while (this.produced < end) out.push(this.next());
    return out;
  }

  get remaining(): number {
    return this.options.totalEvents - this.produced;
  }

  private next(): BenchEvent {
    const i = this.produced++;
    const occurredAt = new Date(Math.round(this.options.startAt + i * this.dt)).toISOString();
    const id = `ev-${String(i).padStart(9, "0")}`;
    let event: BenchEvent;
    if (i < this.triples) {
      event = this.heartbeat(id, occurredAt, i);
    } else {
      while (this.active.length < this.concurrentReloads) this.startReload();
      if (this.random() < this.reloadShare) {
        event = this.reloadStep(id, occurredAt);
      } else {
        // A stride coprime with the number of triples visits every (instance, resource) in turn
        // without sending one service's instances back to back.
        const t = (this.hbCursor++ * 7919) % this.triples;
        event = this.heartbeat(id, occurredAt, t);
      }
    }
    this.counts[event.wire.phase] = (this.counts[event.wire.phase] ?? 0) + 1;
    return event;
  }

  private heartbeat(id: string, occurredAt: string, triple: number): BenchEvent {
    const g = Math.floor(triple / RESOURCES.length);
    const r = triple % RESOURCES.length;
    const s = Math.floor(g / this.shape.instancesPerService);
    const svc = this.services[s]!;
    return {
      serviceIdx: s,
      instanceIdx: g,
      wire: {
        id,
        environment: svc.environment,
        namespace: svc.namespace,
        service: svc.name,
        instance: this.instanceKeys[g]!,
        labels: this.instanceLabels[g]!,
        kind: RESOURCES[r]!.kind,
        resource: RESOURCES[r]!.resource,
        phase: "heartbeat",
        toVersion: this.running[triple]!,
        occurredAt,
      },
    };
  }

  private startReload(): void {
    // A (service, resource) with a reload in flight is not reloaded again until it finishes.
    let s: number;
    let r: number;
    do {
      s = Math.floor(this.random() * this.shape.services);
      r = Math.floor(this.random() * RESOURCES.length);
    } while (this.active.some((a) => a.serviceIdx === s && a.resourceIdx === r));
    const key = s * RESOURCES.length + r;
    const n = ++this.reloadCount[key]!;
    const from = this.desired[key]!;
    const to = `${RESOURCES[r]!.prefix}${n}-${this.hex(7)}`;
    this.desired[key] = to;
    const steps: PendingStep[] = [
      { phase: "requested", instance: -1 },
      { phase: "dispatched", instance: -1 },
    ];
    const k = this.shape.instancesPerService;
    const nacked = new Set<number>();
    for (let x = 0; x < k; x++) if (this.random() < this.nackRate) nacked.add(x);
    for (let x = 0; x < k; x++) steps.push({ phase: "received", instance: x });
    for (let x = 0; x < k; x++) steps.push({ phase: nacked.has(x) ? "nacked" : "applied", instance: x });
    for (let x = 0; x < k; x++) if (!nacked.has(x)) steps.push({ phase: "acked", instance: x });
    this.reloadsStarted++;
    this.active.push({
      // Unique per reload (the running number), so unique per service too: reloads are keyed
      // by (service, reloadId) and never merge.
      id: `rl-${String(this.reloadsStarted).padStart(6, "0")}-${this.hex(4)}`,
      serviceIdx: s,
      resourceIdx: r,
      from,
      to,
      initiator: this.random() < 0.8 ? `pipeline:deploy-${n}` : `user:sre${Math.floor(this.random() * 12)}@example.com`,
      traceId: this.hex(32),
      steps,
      next: 0,
    });
  }

  private reloadStep(id: string, occurredAt: string): BenchEvent {
    const slot = this.rr++ % this.active.length;
    const reload = this.active[slot]!;
    const step = reload.steps[reload.next++]!;
    if (reload.next >= reload.steps.length) this.active.splice(slot, 1);
    const svc = this.services[reload.serviceIdx]!;
    const res = RESOURCES[reload.resourceIdx]!;
    const g = step.instance < 0 ? -1 : reload.serviceIdx * this.shape.instancesPerService + step.instance;
    const wire: WireEvent = {
      id,
      reloadId: reload.id,
      environment: svc.environment,
      namespace: svc.namespace,
      service: svc.name,
      kind: res.kind,
      resource: res.resource,
      phase: step.phase,
      fromVersion: reload.from,
      toVersion: reload.to,
      initiator: reload.initiator,
      occurredAt,
      traceId: reload.traceId,
      spanId: this.hex(16),
    };
    // The control plane names the reload's scope: every instance of the service (the generator
    // sends the reload to all of them), so "N of M" is exact rather than inferred from who reports.
    if (step.phase === "dispatched") wire.targetCount = this.shape.instancesPerService;
    if (g >= 0) {
      wire.instance = this.instanceKeys[g]!;
      wire.labels = this.instanceLabels[g]!;
      const triple = g * RESOURCES.length + reload.resourceIdx;
      wire.fromVersion = this.running[triple]!;
      if (step.phase === "applied") {
        this.running[triple] = reload.to;
        wire.durationMs = 20 + Math.floor(this.random() * 400);
        wire.attributes = {
          "reload.checksum": `sha256:${this.hex(16)}`,
          "reload.bytes": 1000 + Math.floor(this.random() * 50_000),
        };
      }
      if (step.phase === "nacked") {
        wire.error = `validation failed: ${res.resource}: unknown field "x-${this.hex(4)}" at line ${1 + Math.floor(this.random() * 200)}`;
      }
    }
    return { serviceIdx: reload.serviceIdx, instanceIdx: g, wire };
  }
}

/** Columns of reload_event in the order the raw insert binds them. */
export interface RawColumns {
  id: string[];
  reloadId: (string | null)[];
  serviceId: number[];
  instanceId: (number | null)[];
  kind: string[];
  resource: string[];
  phase: string[];
  fromVersion: (string | null)[];
  toVersion: (string | null)[];
  initiator: (string | null)[];
  occurredAt: string[];
  durationMs: (number | null)[];
  error: (string | null)[];
  traceId: (string | null)[];
  spanId: (string | null)[];
  attributes: string[];
}

export function rawColumns(events: BenchEvent[]): RawColumns {
  const cols: RawColumns = {
    id: [],
    reloadId: [],
    serviceId: [],
    instanceId: [],
    kind: [],
    resource: [],
    phase: [],
    fromVersion: [],
    toVersion: [],
    initiator: [],
    occurredAt: [],
    durationMs: [],
    error: [],
    traceId: [],
    spanId: [],
    attributes: [],
  };
  for (const e of events) {
    const w = e.wire;
    cols.id.push(w.id);
    cols.reloadId.push(w.reloadId ?? null);
    cols.serviceId.push(e.serviceIdx + 1);
    cols.instanceId.push(e.instanceIdx < 0 ? null : e.instanceIdx + 1);
    cols.kind.push(w.kind);
    cols.resource.push(w.resource);
    cols.phase.push(w.phase);
    cols.fromVersion.push(w.fromVersion ?? null);
    cols.toVersion.push(w.toVersion ?? null);
    cols.initiator.push(w.initiator ?? null);
    cols.occurredAt.push(w.occurredAt);
    cols.durationMs.push(w.durationMs ?? null);
    cols.error.push(w.error ?? null);
    cols.traceId.push(w.traceId ?? null);
    cols.spanId.push(w.spanId ?? null);
    cols.attributes.push(JSON.stringify(w.attributes ?? {}));
  }
  return cols;
}
