// What a real exporter does: batches of events with unique ids, sent by a few concurrent
// senders, each batch retried unchanged (same ids, same bytes) on network errors, 408, 429
// and 5xx, with exponential backoff and jitter, honouring Retry-After, until it is answered
// 200. Seeded, so two runs send the same events in the same batches.
import http from "node:http";
import { seededRandom } from "@/lib/random";

export interface Batch {
  index: number;
  ids: string[];
  body: Buffer;
}

/** Per (service, instance, kind, resource): what a run sent, to check the read model against. */
export type Cell = string;
export const cellKey = (c: { service: string; instance: string; kind: string; resource: string }): Cell =>
  [c.service, c.instance, c.kind, c.resource].join("\u0000");

export interface ExporterStats {
  batchesAcknowledged: number;
  eventsAcknowledged: number;
  acceptedReported: number;
  duplicatesReported: number;
  attempts: number;
  retries: number;
  networkErrors: number;
  statuses: Map<number, number>;
  /** 5xx answers other than 503, and 503/429 answers without Retry-After: the contract says 503 + Retry-After when the database is down */
  contractViolations: string[];
  /** 200 answers that did not account for every event of the batch, or rejected some */
  badAnswers: string[];
  /** non-retryable answers (4xx other than 408/429): every event sent is valid */
  refused: string[];
}

const SERVICES = 20;
const INSTANCES = 5;
const RESOURCES = [
  ["config", "routes.yaml"],
  ["model", "ranker"],
] as const;

/** Makes the events, batch by batch, with times inside the last few minutes of when each batch is made. */
export class EventSource {
  private readonly random: () => number;
  private sequence = 0;
  private reloads = 0;
  private batches = 0;
  private readonly versions = new Map<string, number>();
  /** ids sent, and the cells (instance × resource) they touch */
  readonly sent = new Map<string, Cell | null>();
  /** heartbeats sent: a confirming one is kept as presence, not as a row (docs/adr/0021) */
  readonly heartbeats = new Map<string, { cell: Cell; version: string; at: number }>();

  constructor(
    private readonly runTag: string,
    readonly total: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  get made(): number {
    return this.sequence;
  }

  private readonly waiting: { count: number; resolve: (reached: boolean) => void }[] = [];

  /** Resolves true once `count` events have been made, false if the source ends first (`end`). */
  whenMade(count: number): Promise<boolean> {
    if (this.sequence >= count) return Promise.resolve(true);
    return new Promise((resolve) => this.waiting.push({ count, resolve }));
  }

  /** Nothing more will be made: releases every wait that was not reached. */
  end(): void {
    for (const w of this.waiting.splice(0)) w.resolve(this.sequence >= w.count);
  }

  next(): Batch | null {
    if (this.sequence >= this.total) return null;
    const size = Math.min(this.total - this.sequence, 50 + Math.floor(this.random() * 101));
    const now = Date.now();
    const events: Record<string, unknown>[] = [];
    while (events.length < size) {
      // About one event in five belongs to a reload; a reload's events go out together.
      if (this.random() < 0.02 && size - events.length >= 13) events.push(...this.reload(now));
      else events.push(this.heartbeat(now));
    }
    for (const e of events)
      this.sent.set(
        String(e.id),
        e.instance ? cellKey(e as { service: string; instance: string; kind: string; resource: string }) : null,
      );
    for (const e of events) {
      if (e.phase === "heartbeat")
        this.heartbeats.set(String(e.id), {
          cell: this.sent.get(String(e.id))!,
          version: String(e.toVersion),
          at: Date.parse(String(e.occurredAt)),
        });
    }
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.sequence >= this.waiting[i]!.count) this.waiting.splice(i, 1)[0]!.resolve(true);
    }
    return { index: this.batches++, ids: events.map((e) => String(e.id)), body: Buffer.from(JSON.stringify(events)) };
  }

  private id(): string {
    return `${this.runTag}-${++this.sequence}`;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  private base(now: number, service: number) {
    return {
      environment: "faults",
      namespace: "ns",
      service: `svc-${service}`,
      labels: { region: "eu-west-1" },
      // Within the last three minutes: well inside the accepted window (5 minutes ahead, 30 days back).
      occurredAt: new Date(now - 1_000 - Math.floor(this.random() * 180_000)).toISOString(),
    };
  }

  private heartbeat(now: number): Record<string, unknown> {
    const service = Math.floor(this.random() * SERVICES);
    const instance = Math.floor(this.random() * INSTANCES);
    const [kind, resource] = this.pick(RESOURCES);
    const version = this.versions.get(`${service}/${kind}/${resource}`) ?? 1;
    return {
      id: this.id(),
      ...this.base(now, service),
      instance: `svc-${service}-${instance}`,
      kind,
      resource,
      phase: "heartbeat",
      toVersion: `v${version}`,
    };
  }

  /** One reload of one resource over the service's five instances: 13 events, a millisecond apart. */
  private reload(now: number): Record<string, unknown>[] {
    const service = Math.floor(this.random() * SERVICES);
    const [kind, resource] = this.pick(RESOURCES);
    const key = `${service}/${kind}/${resource}`;
    const from = this.versions.get(key) ?? 1;
    this.versions.set(key, from + 1);
    const reloadId = `${this.runTag}-rl-${++this.reloads}`;
    const start = now - 60_000 - Math.floor(this.random() * 60_000);
    const instances = Array.from({ length: INSTANCES }, (_, i) => `svc-${service}-${i}`);
    const common = {
      ...this.base(now, service),
      reloadId,
      kind,
      resource,
      fromVersion: `v${from}`,
      toVersion: `v${from + 1}`,
      initiator: "pipeline:faults",
    };
    let t = start;
    const at = () => new Date((t += 1)).toISOString();
    return [
      { id: this.id(), ...common, instance: null, phase: "requested", occurredAt: at() },
      { id: this.id(), ...common, instance: null, phase: "approved", occurredAt: at() },
      { id: this.id(), ...common, instance: null, phase: "dispatched", targets: instances, occurredAt: at() },
      ...instances.flatMap((instance) => [
        { id: this.id(), ...common, instance, phase: "applied", durationMs: 120, occurredAt: at() },
        { id: this.id(), ...common, instance, phase: "acked", occurredAt: at() },
      ]),
    ];
  }
}

export interface ExporterOptions {
  port: number;
  token: string;
  senders: number;
  /** events per second the senders together may start, so the run spans the faults */
  rate: number;
  deadline: number;
  seed: number;
}

export class Exporter {
  readonly stats: ExporterStats = {
    batchesAcknowledged: 0,
    eventsAcknowledged: 0,
    acceptedReported: 0,
    duplicatesReported: 0,
    attempts: 0,
    retries: 0,
    networkErrors: 0,
    statuses: new Map(),
    contractViolations: [],
    badAnswers: [],
    refused: [],
  };
  /** ids of events in batches answered 200 */
  readonly acknowledged = new Set<string>();
  /** batches given up at the deadline, never answered 200 */
  readonly unacknowledged: Batch[] = [];
  private agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly startedAt = Date.now();

  constructor(
    private readonly source: EventSource,
    private readonly options: ExporterOptions,
  ) {}

  /** Runs the senders until every batch is answered 200 or the deadline passes. */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.senders }, (_, i) => this.sender(i)));
    this.agent.destroy();
  }

  private async sender(index: number): Promise<void> {
    const random = seededRandom(this.options.seed + 1 + index);
    for (;;) {
      // Pace the run: a batch starts only when the run is not ahead of its rate.
      const ahead = this.source.made / this.options.rate - (Date.now() - this.startedAt) / 1000;
      if (ahead > 0) await sleep(Math.min(ahead * 1000, 1_000));
      if (Date.now() > this.options.deadline) return;
      if (ahead > 0) continue;
      const batch = this.source.next();
      if (!batch) return;
      await this.deliver(batch, random);
    }
  }

  private async deliver(batch: Batch, random: () => number): Promise<void> {
    let backoffMs = 250;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) this.stats.retries++;
      this.stats.attempts++;
      let waitMs: number;
      try {
        const answer = await this.post(batch.body);
        this.stats.statuses.set(answer.status, (this.stats.statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 200) {
          this.acknowledge(batch, answer.text);
          return;
        }
        const retryAfter = parseRetryAfter(answer.retryAfter);
        if (answer.status === 429 || answer.status === 503) {
          if (retryAfter === null)
            this.stats.contractViolations.push(`${answer.status} without Retry-After: ${answer.text.slice(0, 200)}`);
        } else if (answer.status >= 500) {
          this.stats.contractViolations.push(`${answer.status}: ${answer.text.slice(0, 300)}`);
        } else if (answer.status !== 408) {
          this.stats.refused.push(`batch ${batch.index}: ${answer.status} ${answer.text.slice(0, 300)}`);
          return; // not retryable; the batch stays unacknowledged and the run fails
        }
        waitMs = retryAfter !== null ? Math.min(retryAfter, 30_000) : backoffMs;
      } catch {
        this.stats.networkErrors++; // refused, reset or timed out: the app or its database is restarting
        waitMs = backoffMs;
      }
      backoffMs = Math.min(backoffMs * 2, 5_000);
      const jittered = waitMs * (0.8 + 0.4 * random());
      if (Date.now() + jittered > this.options.deadline) {
        this.unacknowledged.push(batch);
        return;
      }
      await sleep(jittered);
    }
  }

  private acknowledge(batch: Batch, text: string): void {
    let answer: { accepted?: number; duplicates?: number; rejected?: unknown[] };
    try {
      answer = JSON.parse(text);
    } catch {
      this.stats.badAnswers.push(`batch ${batch.index}: 200 with a body that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    const accepted = answer.accepted ?? 0;
    const duplicates = answer.duplicates ?? 0;
    if (accepted + duplicates !== batch.ids.length || (answer.rejected?.length ?? 0) > 0) {
      this.stats.badAnswers.push(`batch ${batch.index} of ${batch.ids.length}: ${text.slice(0, 300)}`);
    }
    this.stats.acceptedReported += accepted;
    this.stats.duplicatesReported += duplicates;
    this.stats.batchesAcknowledged++;
    this.stats.eventsAcknowledged += batch.ids.length;
    for (const id of batch.ids) this.acknowledged.add(id);
  }

  private post(body: Buffer): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: "127.0.0.1",
          port: this.options.port,
          method: "POST",
          path: "/api/v1/events",
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            "content-type": "application/json",
            "content-length": String(body.length),
          },
          timeout: 30_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (c: Buffer) => chunks.push(c));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfter: response.headers["retry-after"],
              text: Buffer.concat(chunks).toString("utf8"),
            }),
          );
          response.on("error", reject);
        },
      );
      request.on("timeout", () => request.destroy(new Error("timed out")));
      request.on("error", reject);
      request.end(body);
    });
  }
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date (RFC 9110); null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined): number | null {
  if (value === undefined || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
