// A reload target that can hold a delivery: it records every POST as it arrives (before
// answering), verifies it as a service would (lib/dispatch/signature.ts), and answers only
// when told. The fault test kills the app or PostgreSQL while a POST is held here; the
// dispatch recovery test leaves one held while it lets the sender's lease lapse.
// No server-only imports: `npm run test:faults` runs under plain tsx.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { verifyDelivery } from "@/lib/dispatch/signature";

export interface Arrival {
  /** counts from 1, in arrival order */
  n: number;
  /** the body as sent (the signed bytes) */
  raw: string;
  /** X-Reloadscope-Delivery */
  deliveryId: string | null;
  reloadId: string;
  stage: string;
  instances: string[];
  traceparent: string | null;
  signatureValid: boolean;
  arrivedAt: number;
  /** set when the connection closed before an answer (the sender died or gave up) */
  abandoned: boolean;
  /** the status it was answered with, once answered */
  answered: number | null;
}

export type Answer = { status: number; after?: (arrival: Arrival) => Promise<void> };

export class HoldingTarget {
  readonly arrivals: Arrival[] = [];
  private readonly held = new Map<number, (answer: Answer) => void>();
  private readonly waiters = new Set<() => void>();
  private readonly reports = new Set<Promise<void>>();
  private server: http.Server | null = null;
  url = "";

  /**
   * `decide(arrival)`: an answer now, or "hold" to keep the POST open until `release(n)`.
   */
  constructor(
    private readonly secret: string,
    private readonly decide: (arrival: Arrival) => Answer | "hold",
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const body = JSON.parse(raw) as { reloadId: string; scope: { stage: string; instances: string[] } };
        const deliveryId = (req.headers["x-reloadscope-delivery"] as string | undefined) ?? null;
        const arrival: Arrival = {
          n: this.arrivals.length + 1,
          raw,
          deliveryId,
          reloadId: body.reloadId,
          stage: body.scope.stage,
          instances: body.scope.instances,
          traceparent: (req.headers["traceparent"] as string | undefined) ?? null,
          signatureValid: verifyDelivery({
            body: raw,
            signature: req.headers["x-reloadscope-signature"] as string | undefined,
            delivery: deliveryId,
            secret: this.secret,
          }).ok,
          arrivedAt: Date.now(),
          abandoned: false,
          answered: null,
        };
        this.arrivals.push(arrival);
        const answer = (a: Answer) => {
          this.held.delete(arrival.n);
          if (arrival.abandoned) return;
          arrival.answered = a.status;
          res.writeHead(a.status, { "content-type": "application/json" }).end("{}");
          if (a.after) {
            const report = a
              .after(arrival)
              .catch((error) => console.error(`[target] report after delivery ${arrival.n} failed:`, error));
            this.reports.add(report);
            void report.finally(() => this.reports.delete(report));
          }
        };
        res.on("close", () => {
          if (arrival.answered === null) arrival.abandoned = true;
          this.notify();
        });
        const decision = this.decide(arrival);
        if (decision === "hold") this.held.set(arrival.n, answer);
        else answer(decision);
        this.notify();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/reload`;
    return this;
  }

  /** Answers held delivery `n` (by default 202). */
  release(n: number, answer: Answer = { status: 202 }): void {
    const held = this.held.get(n);
    if (!held) throw new Error(`delivery ${n} is not held`);
    held(answer);
  }

  /** Resolves with the first arrival (in order) that satisfies `match`, or fails after `timeoutMs`. */
  waitFor(what: string, match: (a: Arrival) => boolean, timeoutMs: number): Promise<Arrival> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.arrivals.find(match);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the target did not see ${what} within ${timeoutMs / 1000} s (arrivals: ${this.describe()})`));
      }, timeoutMs);
      const waiter = () => void check();
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!check()) this.waiters.add(waiter);
    });
  }

  describe(): string {
    return (
      this.arrivals
        .map((a) => `#${a.n} ${a.deliveryId} ${a.abandoned ? "abandoned" : (a.answered ?? "held")}`)
        .join(", ") || "none"
    );
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Answers whatever is still held with 503, closes, and waits for the reports it set off. */
  async close(): Promise<void> {
    for (const n of [...this.held.keys()]) this.release(n, { status: 503 });
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await Promise.allSettled([...this.reports]);
  }
}
