// A stand-in for autovacuum, for servers where it is switched off (some CI and test images run
// PostgreSQL with autovacuum = off). Without it the read model's hot rows (service,
// instance, instance_state: one new row version per event) pile up dead tuples and stale
// statistics, which says more about that server's configuration than about the app. Every
// `intervalMs` it applies autovacuum's own default thresholds, table by table:
//   vacuum   when n_dead_tup          > 50   + 0.2 × reltuples
//   vacuum   when n_ins_since_vacuum  > 1000 + 0.2 × reltuples   (insert-only tables)
//   analyze  when n_mod_since_analyze > 50   + 0.1 × reltuples
import pg from "pg";

export interface VacuumStats {
  passes: number;
  vacuums: number;
  analyzes: number;
  busyMs: number;
}

export class VacuumStandIn {
  private running = true;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  readonly stats: VacuumStats = { passes: 0, vacuums: 0, analyzes: 0, busyMs: 0 };

  constructor(
    private readonly url: string,
    private readonly intervalMs: number,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<VacuumStats> {
    this.running = false;
    this.wake?.();
    await this.loop?.catch(() => {});
    return this.stats;
  }

  /** One pass now, on a connection of its own (the history phase's compressed event time). */
  async passNow(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on("error", () => {});
    await client.connect();
    try {
      await this.pass(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async run(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on("error", () => {});
    await client.connect();
    try {
      while (this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.intervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (!this.running) break;
        await this.pass(client).catch((error) => this.log(`autovacuum stand-in: ${(error as Error).message}`));
      }
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async pass(client: pg.Client): Promise<void> {
    const t0 = performance.now();
    const { rows } = await client.query<{ relname: string; vacuum: boolean; analyze: boolean }>(
      `SELECT s.relname,
              s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
                OR s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0) AS vacuum,
              s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) AS analyze
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
       WHERE s.schemaname = 'public'`,
    );
    for (const r of rows) {
      if (!this.running) break;
      if (!r.vacuum && !r.analyze) continue;
      const table = `"${r.relname.replace(/"/g, '""')}"`;
      await client.query(r.vacuum ? `VACUUM (ANALYZE) ${table}` : `ANALYZE ${table}`);
      if (r.vacuum) this.stats.vacuums++;
      else this.stats.analyzes++;
    }
    this.stats.passes++;
    this.stats.busyMs += performance.now() - t0;
  }
}
