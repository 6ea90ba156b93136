// Samples what the app's database connections are doing (pg_stat_activity) during a phase:
// running a statement, waiting for a lock held by another transaction, or idle inside an open
// transaction (the app is working between two statements while its locks stay held).
import pg from "pg";

export interface ActivityReport {
  samples: number;
  /** average connections per sample in each state */
  running: number;
  lockWait: number;
  idleInTransaction: number;
  otherWait: number;
  /** lock waits by the statement that waits, most common first (first words of the query) */
  waitingOn: [string, number][];
}

export class ActivitySampler {
  private timer: NodeJS.Timeout | null = null;
  private client: pg.Client | null = null;
  private busy = false;
  private readonly totals = { samples: 0, running: 0, lockWait: 0, idleInTransaction: 0, otherWait: 0 };
  private readonly waiting = new Map<string, number>();

  constructor(
    private readonly url: string,
    private readonly database: string,
  ) {}

  async start(intervalMs = 250): Promise<void> {
    this.client = new pg.Client({ connectionString: this.url });
    this.client.on("error", () => {});
    await this.client.connect();
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  private async sample(): Promise<void> {
    if (this.busy || !this.client) return;
    this.busy = true;
    try {
      const { rows } = await this.client.query<{ state: string | null; wait_event_type: string | null; query: string }>(
        `SELECT state, wait_event_type, query FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        [this.database],
      );
      this.totals.samples++;
      for (const r of rows) {
        if (r.state === "active" && r.wait_event_type === "Lock") {
          this.totals.lockWait++;
          const what = r.query.replace(/\s+/g, " ").trim().split(" ").slice(0, 4).join(" ");
          this.waiting.set(what, (this.waiting.get(what) ?? 0) + 1);
        } else if (r.state === "active" && r.wait_event_type && r.wait_event_type !== "Activity") {
          this.totals.otherWait++;
        } else if (r.state === "active") {
          this.totals.running++;
        } else if (r.state?.startsWith("idle in transaction")) {
          this.totals.idleInTransaction++;
        }
      }
    } catch {
      // a missed sample is fine
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<ActivityReport> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    await this.client?.end().catch(() => {});
    this.client = null;
    const n = Math.max(1, this.totals.samples);
    return {
      samples: this.totals.samples,
      running: this.totals.running / n,
      lockWait: this.totals.lockWait / n,
      idleInTransaction: this.totals.idleInTransaction / n,
      otherWait: this.totals.otherWait / n,
      waitingOn: [...this.waiting.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4),
    };
  }
}

export function describeActivity(a: ActivityReport): string {
  const f = (x: number) => x.toFixed(2);
  const on = a.waitingOn.length ? ` (lock waits in: ${a.waitingOn.map(([q, n]) => `${q}… ${n}`).join("; ")})` : "";
  return (
    `app connections on average: ${f(a.running)} running a statement, ${f(a.lockWait)} waiting for a row lock, ` +
    `${f(a.idleInTransaction)} idle in an open transaction, ${f(a.otherWait)} waiting on I/O or other (${a.samples} samples)${on}`
  );
}
