// Environment variables, validated once; nothing else in the app reads process.env.
import { z } from "zod";
import { parseRoleMap } from "@/lib/domain/oidc-roles";
import { parseAllowedHosts, type TargetAddressRules } from "@/lib/domain/target-address";

const schema = z
  .object({
    DATABASE_URL: z.string().url("DATABASE_URL must be a postgres:// URL").optional(),
    /** Migrations run as this role when set, which keeps audit_log and hands DATABASE_URL's role the rest (lib/db/app-role.ts, ADR 0020). */
    DATABASE_MIGRATION_URL: z.string().url("DATABASE_MIGRATION_URL must be a postgres:// URL").optional(),
    /** Append-only file the audit log's head (id, hash) is written to after each append (lib/audit-chain/anchor.ts); default .data/audit-anchor in the embedded mode, else none. */
    AUDIT_ANCHOR_FILE: z.string().trim().min(1).optional(),
    /** Connections the app's pool may open; unset: 10, or 1 on the embedded PGlite, which serves one connection
     * (lib/db/client.ts). */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).optional(),
    /** Set by scripts/start when the database is the embedded PGlite. */
    RELOADSCOPE_EMBEDDED: z.enum(["0", "1"]).default("0"),
    /** Accepted as an ingest token (stored hashed), so automated deployments need no manual step. */
    INGEST_TOKEN: z.string().min(16, "INGEST_TOKEN must be at least 16 characters").optional(),
    /** A bearer token GET /api/metrics accepts besides read tokens; beyond loopback one is always required, on loopback only once this is set (lib/metrics/auth.ts). */
    METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
    INGEST_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(5 * 1024 * 1024),
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
    /** Wrong passwords for one user name from one client address per window before sign-in from there is refused without a check; one address may fail 4×, one name over all addresses 20× as often (docs/adr/0018). */
    SIGN_IN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    SIGN_IN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** Proxies in front of the app that append to X-Forwarded-For; 0 = trust no forwarding header (docs/adr/0006). */
    TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
    /** Address `npm start` listens on; unset: 127.0.0.1 for the embedded demo, 0.0.0.0 with DATABASE_URL. */
    HOST: z.string().trim().min(1).optional(),
    /** HTTP port the app serves on (the demo reload targets point at it). */
    PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
    DRIFT_THRESHOLD_SECONDS: z.coerce.number().int().min(0).default(300),
    /** Instances silent for longer are treated as gone: out of the matrix and drift checks. */
    INSTANCE_STALE_SECONDS: z.coerce.number().int().min(60).default(86_400),
    /** A pair silent for longer starts a new presence interval, so history shows it went quiet (docs/adr/0021). More than the heartbeat period plus the 60 s precision; used as at most INSTANCE_STALE_SECONDS. */
    PRESENCE_GAP_SECONDS: z.coerce
      .number()
      .int()
      .min(61, "PRESENCE_GAP_SECONDS must exceed the 60 s presence precision")
      .max(86_400)
      .default(120),
    /** A reload whose targets have not all finished this long after its last control step expires. */
    RELOAD_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(900),
    /** 32 bytes (hex or base64) that encrypt reload target secrets (lib/crypto/secret-box.ts); the embedded demo makes one in .data/. */
    SECRETS_KEY: z.string().min(32, "SECRETS_KEY must be 32 bytes as hex or base64").optional(),
    /** Events older than this are refused, and history older than this is dropped. */
    RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(30),
    /** Webhook delivery attempts per dispatch stage before the request fails (lib/dispatch). */
    DISPATCH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
    /** The first retry's delay; each next one doubles, with jitter (2 s, 4 s, 8 s, …). */
    DISPATCH_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(2_000),
    /** A webhook POST not answered within this counts as a failed attempt. */
    DISPATCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** Reload target hosts, addresses or CIDR ranges reached whatever they are: link-local and cloud-metadata addresses are refused unless listed here (lib/domain/target-address.ts). */
    TARGET_ALLOWED_HOSTS: z
      .string()
      .default("")
      .superRefine((text, ctx) => {
        try {
          parseAllowedHosts(text);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
        }
      }),
    /** `deny`: reload targets may not be at private (10/8, 172.16/12, 192.168/16, fc00::/7) or loopback addresses unless TARGET_ALLOWED_HOSTS lists them. */
    TARGET_PRIVATE_ADDRESSES: z.enum(["allow", "deny"]).default("allow"),
    /** How often a canary stage checks whether its instances have acked. */
    CANARY_CHECK_MS: z.coerce.number().int().min(50).max(60_000).default(3_000),
    /** `0` keeps this process from working jobs (dispatch, control events); others still do. */
    WORKER_ENABLED: z.enum(["0", "1"]).default("1"),
    /** Share of demo instances whose simulated reload NACKs (decided by a hash of reloadId + instance). */
    DEMO_NACK_RATE: z.coerce.number().min(0).max(1).default(0.1),
    /** `1`: the demo fleet (and its simulated reload endpoint) on a DATABASE_URL database too. */
    DEMO_FLEET: z.enum(["0", "1"]).default("0"),
    /** A reload or rollback request not decided within this many minutes expires (never later than RELOAD_TIMEOUT_SECONDS, when its reload expires). */
    REQUEST_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
    /** The dashboard's address as people and the app itself reach it: links in alert notifications
     * (Alertmanager's generatorURL, Slack, webhooks; else NEXTAUTH_URL) and the demo reload targets
     * (lib/demo/demo-targets.ts; else HOST:PORT). */
    PUBLIC_URL: z.string().url("PUBLIC_URL must be an http(s) URL").optional(),
    /** Alertmanager to post firing and resolved alerts to (`${ALERTMANAGER_URL}/api/v2/alerts`). */
    ALERTMANAGER_URL: z.string().url("ALERTMANAGER_URL must be an http(s) URL").optional(),
    /** Slack incoming webhook for alert notifications (it holds a token: never logged). */
    ALERT_SLACK_WEBHOOK_URL: z.string().url("ALERT_SLACK_WEBHOOK_URL must be an http(s) URL").optional(),
    /** Generic JSON webhook for alert notifications. */
    ALERT_WEBHOOK_URL: z.string().url("ALERT_WEBHOOK_URL must be an http(s) URL").optional(),
    /** When set, the generic webhook's body is signed: `X-Reloadscope-Signature: sha256=<HMAC-SHA256 hex>`. */
    ALERT_WEBHOOK_SECRET: z.string().min(16, "ALERT_WEBHOOK_SECRET must be at least 16 characters").optional(),
    /** How often the alert leader evaluates every rule (ingest also nudges it, debounced); 0 turns evaluation off in this process. */
    ALERT_EVAL_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
    /** Ingest's nudges start a pass at most this often: under steady ingest, one pass per this many seconds, not one per second. */
    ALERT_NUDGE_MIN_SECONDS: z.coerce.number().min(0).max(3600).default(5),
    /** Firing alerts are sent to Alertmanager again this often (keep it below its resolve_timeout, default 5m). */
    ALERT_RESEND_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
    /** Signs the session cookies (next-auth JWTs); the embedded demo makes one in .data/. */
    NEXTAUTH_SECRET: z
      .string()
      .min(32, "NEXTAUTH_SECRET must be at least 32 characters (openssl rand -base64 32)")
      .optional(),
    /** How often the worker queries each Prometheus source (lib/sources); 0 turns source polling off in this process. */
    SOURCE_INTERVAL_SECONDS: z.coerce.number().min(0).max(3600).default(30),
    /** A session ends this many hours after its sign-in, however often it was used (renewals do not extend it). */
    SESSION_MAX_AGE_HOURS: z.coerce
      .number()
      .min(0.25)
      .max(24 * 30)
      .default(12),
    /** The address people open the app at; sign-in redirects and the OIDC callback are built from it. */
    NEXTAUTH_URL: z
      .string()
      .url("NEXTAUTH_URL must be the app's public URL, like https://reloadscope.example.com")
      .optional(),
    /** The demo users' password (viewer, operator, approver, admin); unset, one is generated and printed at the first start. */
    DEMO_PASSWORD: z.string().min(8, "DEMO_PASSWORD must be at least 8 characters").optional(),
    /** OIDC sign-in, enabled when issuer, client id and secret are all set. */
    OIDC_ISSUER: z
      .string()
      .url("OIDC_ISSUER must be the issuer URL (its /.well-known/openid-configuration is read)")
      .optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** The name on the sign-in button: "Sign in with <OIDC_NAME>". */
    OIDC_NAME: z.string().trim().min(1).default("SSO"),
    /** The ID token / userinfo claim that lists the user's groups. */
    OIDC_ROLE_CLAIM: z.string().trim().min(1).default("groups"),
    /** group=role pairs, comma-separated; a user in several gets the highest role (lib/domain/oidc-roles.ts). */
    OIDC_ROLE_MAP: z
      .string()
      .default("")
      .superRefine((text, ctx) => {
        const parsed = parseRoleMap(text);
        if (!parsed.ok) ctx.addIssue({ code: "custom", message: `OIDC_ROLE_MAP: ${parsed.error}` });
      }),
    /** The role of an OIDC user in no mapped group; "none" (the default) refuses them, since anyone who can sign in at the issuer would otherwise get in. */
    OIDC_DEFAULT_ROLE: z.enum(["viewer", "operator", "approver", "admin", "none"]).default("none"),
    /** Extra scopes to ask the issuer for, besides "openid profile email" (some issuers send groups only for a "groups" scope). */
    OIDC_SCOPES: z.string().trim().default(""),
  })
  .superRefine((value, ctx) => {
    const set = [value.OIDC_ISSUER, value.OIDC_CLIENT_ID, value.OIDC_CLIENT_SECRET].filter(
      (v) => v !== undefined,
    ).length;
    if (set !== 0 && set !== 3) {
      ctx.addIssue({
        code: "custom",
        path: ["OIDC_ISSUER"],
        message: "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together",
      });
    }
  });

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) throw new Error(`Invalid environment: ${parsed.error.issues.map(problemLine).join("; ")}`);
  cached = parsed.data;
  return cached;
}

/** The address rules reload targets and Prometheus sources are held to (lib/domain/target-address.ts). */
export function targetAddressRules(): TargetAddressRules {
  const settings = env();
  return {
    allowedHosts: parseAllowedHosts(settings.TARGET_ALLOWED_HOSTS),
    privateAddresses: settings.TARGET_PRIVATE_ADDRESSES,
  };
}

/**
 * One line per bad variable, `NAME: what is wrong`, never its value (it may be a secret):
 * what `npm start` prints before it builds (scripts/start.ts).
 */
export function environmentProblems(environment: Record<string, string | undefined>): string[] {
  const parsed = schema.safeParse(environment);
  return parsed.success ? [] : parsed.error.issues.map(problemLine);
}

function problemLine(issue: z.core.$ZodIssue): string {
  const name = issue.path.join(".");
  return `${name}: ${problemText(name, issue)}`;
}

function problemText(name: string, issue: z.core.$ZodIssue): string {
  // Our own messages name the variable already ("NEXTAUTH_SECRET must be at least …").
  for (const prefix of [`${name}: `, `${name} `]) {
    if (issue.message.startsWith(prefix)) return issue.message.slice(prefix.length);
  }
  switch (issue.code) {
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `must be at least ${issue.minimum}${issue.origin === "string" ? " characters" : ""}`;
    case "too_big":
      return `must be at most ${issue.maximum}${issue.origin === "string" ? " characters" : ""}`;
    case "invalid_type":
      return `must be a ${issue.expected === "int" ? "whole number" : issue.expected}`;
    default:
      return issue.message;
  }
}

/** Tests change the environment between suites. */
export function resetEnvCache(): void {
  cached = undefined;
}
