// Environment variables, validated once; nothing else in the app reads process.env.
import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z.string().url("DATABASE_URL must be a postgres:// URL").optional(),
  /** Connections the app's pool may open. The embedded database serves a few at most. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).optional(),
  /** Set by scripts/start when the database is the embedded PGlite. */
  RELOADSCOPE_EMBEDDED: z.enum(["0", "1"]).default("0"),
  /** Accepted as an ingest token (stored hashed), so automated deployments need no manual step. */
  INGEST_TOKEN: z.string().min(16, "INGEST_TOKEN must be at least 16 characters").optional(),
  /** When set, GET /api/metrics requires `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open. */
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),
  INGEST_MAX_EVENTS: z.coerce.number().int().min(1).default(5000),
  /** Ingest requests handled at once by one process before it answers 429. */
  INGEST_MAX_CONCURRENT: z.coerce.number().int().min(1).default(16),
  /** A request body not fully received within this time answers 408 and frees its ingest slot. */
  INGEST_BODY_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(10_000),
  /** How long a token lookup (valid, revoked or unknown) is trusted in memory; revocation takes effect within it. */
  INGEST_TOKEN_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  /** Failed token lookups one client address may cause per window before it gets 429 without a lookup. */
  INGEST_AUTH_MAX_FAILURES: z.coerce.number().int().min(1).default(30),
  INGEST_AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Proxies in front of the app that append to X-Forwarded-For; 0 = trust no forwarding header (docs/adr/0006). */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** Address `npm start` listens on; unset: 127.0.0.1 for the embedded demo, 0.0.0.0 with DATABASE_URL. */
  HOST: z.string().trim().min(1).optional(),
  DRIFT_THRESHOLD_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Instances silent for longer are treated as gone: out of the matrix and drift checks. */
  INSTANCE_STALE_SECONDS: z.coerce.number().int().min(60).default(86_400),
  /** A reload whose targets have not all finished this long after its last control step expires. */
  RELOAD_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Events older than this are refused, and history older than this is dropped. */
  RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(30),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  cached = parsed.data;
  return cached;
}

/** Tests change the environment between suites. */
export function resetEnvCache(): void {
  cached = undefined;
}
