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
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),
  INGEST_MAX_EVENTS: z.coerce.number().int().min(1).default(5000),
  /** Ingest requests handled at once by one process before it answers 429. */
  INGEST_MAX_CONCURRENT: z.coerce.number().int().min(1).default(16),
  DRIFT_THRESHOLD_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Instances silent for longer are treated as gone: out of the matrix and drift checks. */
  INSTANCE_STALE_SECONDS: z.coerce.number().int().min(60).default(86_400),
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
