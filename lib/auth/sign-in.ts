import "server-only";
import { createHmac, randomBytes } from "node:crypto";
import { appendAudit } from "@/lib/audit-chain/audit-log";
import { sql, transaction } from "@/lib/db/client";
import { isRole, type Role } from "@/lib/domain/permissions";
import {
  SIGN_IN_PASSWORD_MAX,
  signInBuckets,
  signInNameProblem,
  tooManyAttemptsCode,
  UNKNOWN_USER_ACTOR,
  type SignInBucket,
  type SignInBucketPlan,
} from "@/lib/domain/sign-in";
import { env } from "@/lib/env";
import { clientAddress, FailureLimiter, UNKNOWN_ADDRESS } from "./failure-limiter";
import type { SignInError } from "./sign-in-errors";
import { checkPassword } from "./users";

// Password sign-in (docs/adr/0018): limited per address, per name from an address, and per
// name over all addresses (lib/domain/sign-in.ts says which), in memory like ingest's token
// failures: a cache that protects argon2 and the audit lock, never the truth. A refused
// attempt costs no password check and no query; only the first refusal of each window is
// audited, so a flood cannot queue on the audit lock either.

export interface PasswordUser {
  id: string;
  name: string;
  role: Role;
  username: string;
  sessionEpoch: number;
}

// Tracked keys per bucket kind: far above any real fleet of users and offices, so the
// limiter's shared overflow bucket (FailureLimiter) is reached only in a flood.
const MAX_TRACKED = 100_000;
const MAX_ANNOUNCED = 10_000;

class SignInLimits {
  private readonly limiters = new Map<SignInBucket, FailureLimiter>();
  /** "<bucket>:<key>" → when its refusal ends: a refusal already in the audit log */
  private readonly announced = new Map<string, number>();
  /** Names are kept as keyed hashes: a password typed into the name box never sits in memory. */
  private readonly nameSecret = randomBytes(32);

  constructor(readonly windowMs: number) {}

  nameKey(username: string): string {
    return createHmac("sha256", this.nameSecret).update(username).digest("base64url").slice(0, 22);
  }

  /** The first bucket of the plan that refuses the attempt now, with its wait. */
  refusal(plan: SignInBucketPlan[]): { plan: SignInBucketPlan; retryAfterSeconds: number } | null {
    for (const bucket of plan) {
      const retryAfterSeconds = this.limiter(bucket).retryAfterSeconds(bucket.key);
      if (retryAfterSeconds !== null) return { plan: bucket, retryAfterSeconds };
    }
    return null;
  }

  /** Whether this refusal is the first of its bucket's window (then it is audited). */
  announce(bucket: SignInBucketPlan, retryAfterSeconds: number): boolean {
    const key = `${bucket.bucket}:${bucket.key}`;
    const now = Date.now();
    if ((this.announced.get(key) ?? 0) > now) return false;
    if (this.announced.size >= MAX_ANNOUNCED) {
      for (const [k, until] of this.announced) if (until <= now) this.announced.delete(k);
    }
    if (this.announced.size < MAX_ANNOUNCED) this.announced.set(key, now + retryAfterSeconds * 1000);
    return true;
  }

  /** Counts an attempt against the buckets before its check runs, so a concurrent burst cannot outrun them. */
  charge(plan: SignInBucketPlan[]): { plan: SignInBucketPlan; ticket: string }[] {
    return plan.map((bucket) => ({ plan: bucket, ticket: this.limiter(bucket).charge(bucket.key) }));
  }

  settle(charged: { plan: SignInBucketPlan; ticket: string }[], failed: boolean): void {
    for (const { plan, ticket } of charged) this.limiter(plan).settle(ticket, failed);
  }

  private limiter(bucket: SignInBucketPlan): FailureLimiter {
    let limiter = this.limiters.get(bucket.bucket);
    if (!limiter) {
      limiter = new FailureLimiter({
        maxFailures: bucket.maxFailures,
        windowMs: this.windowMs,
        maxAddresses: MAX_TRACKED,
      });
      this.limiters.set(bucket.bucket, limiter);
    }
    return limiter;
  }
}

let limits: { key: string; limits: SignInLimits } | undefined;

/** This process's limits, started again when the environment's limits change (tests). */
function signInLimits(): SignInLimits {
  const e = env();
  const key = `${e.SIGN_IN_MAX_FAILURES}/${e.SIGN_IN_FAILURE_WINDOW_SECONDS}`;
  if (limits?.key !== key) limits = { key, limits: new SignInLimits(e.SIGN_IN_FAILURE_WINDOW_SECONDS * 1000) };
  return limits.limits;
}

/**
 * next-auth's credentials authorize(): the user, or null for a wrong password. A refusal
 * that the page explains otherwise is thrown as its `?error=` code (never a database's text).
 */
export async function authorizePassword(
  credentials: Record<string, unknown> | undefined,
  headers: Headers,
): Promise<PasswordUser | null> {
  try {
    return await decide(credentials, headers);
  } catch (error) {
    // next-auth puts a thrown message in the redirect URL: only our own codes may get there,
    // never a database's or driver's text (docs/adr/0018).
    if (error instanceof SignInRefusal) throw new Error(error.code);
    const id = randomBytes(4).toString("hex");
    console.error(`[auth] sign-in failed (${id}): ${error instanceof Error ? error.message : String(error)}`);
    throw new Error("Default" satisfies SignInError);
  }
}

/** A refusal the sign-in page explains: its `?error=` code. */
class SignInRefusal extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

async function decide(
  credentials: Record<string, unknown> | undefined,
  headers: Headers,
): Promise<PasswordUser | null> {
  const e = env();
  const address = clientAddress(headers, e.TRUST_PROXY);
  const username = String(credentials?.username ?? "").trim();
  const password = String(credentials?.password ?? "");
  const limits = signInLimits();
  const nameProblem = signInNameProblem(username);
  const plan = signInBuckets({
    nameKey: nameProblem ? null : limits.nameKey(username),
    address: address === UNKNOWN_ADDRESS ? null : address,
    maxFailures: e.SIGN_IN_MAX_FAILURES,
  });
  const base = { method: "password", clientAddress: address };

  const refusal = limits.refusal(plan);
  if (refusal) {
    if (limits.announce(refusal.plan, refusal.retryAfterSeconds)) {
      const user = nameProblem ? null : await userNamed(username);
      await auditSignIn(user?.id ?? null, user?.username ?? UNKNOWN_USER_ACTOR, null, "denied", {
        ...base,
        reason: "too_many_attempts",
        limit: refusal.plan.bucket,
        retryAfterSeconds: refusal.retryAfterSeconds,
      });
    }
    throw new SignInRefusal(tooManyAttemptsCode(refusal.retryAfterSeconds));
  }

  if (nameProblem) {
    // Charged to the address like any failure; the name itself is neither queried nor stored.
    limits.settle(limits.charge(plan), true);
    await auditSignIn(null, UNKNOWN_USER_ACTOR, null, "denied", {
      ...base,
      reason: "malformed_username",
      problem: nameProblem,
    });
    throw new SignInRefusal("InvalidUsername" satisfies SignInError);
  }

  // The per-name bucket counts failures against users that exist only: guesses at names nobody
  // has need no protecting, and would otherwise fill its memory.
  const charged = limits.charge(plan.filter((b) => b.bucket !== "name"));
  let failed = true;
  try {
    if (password === "" || password.length > SIGN_IN_PASSWORD_MAX) {
      const user = await userNamed(username);
      await auditSignIn(user?.id ?? null, user?.username ?? UNKNOWN_USER_ACTOR, null, "denied", {
        ...base,
        reason: "malformed_password",
      });
      return null;
    }
    const check = await checkPassword(username, password);
    if (check.ok) {
      failed = false;
      await auditSignIn(check.user.id, check.user.username, check.user.role, "allowed", base);
      return {
        id: String(check.user.id),
        name: check.user.displayName,
        role: check.user.role,
        username: check.user.username,
        sessionEpoch: check.user.sessionEpoch,
      };
    }
    // The right password of a disabled account is no guess.
    failed = check.reason === "wrong_credentials";
    const nameBucket = plan.find((b) => b.bucket === "name");
    if (failed && check.userId !== null && nameBucket) limits.settle(limits.charge([nameBucket]), true);
    if (check.userId === null) {
      await auditSignIn(null, UNKNOWN_USER_ACTOR, null, "denied", { ...base, reason: "unknown_user" });
      return null;
    }
    await auditSignIn(check.userId, username, null, "denied", { ...base, reason: check.reason });
    // next-auth sends a thrown error's message as ?error=…; null becomes "CredentialsSignin".
    if (check.reason === "disabled") throw new SignInRefusal("AccountDisabled" satisfies SignInError);
    return null;
  } finally {
    limits.settle(charged, failed);
  }
}

async function userNamed(username: string): Promise<{ id: number; username: string } | null> {
  const [row] = await sql().query<{ id: number; username: string }[]>(
    `SELECT id, username FROM app_user WHERE username = $1`,
    username,
  );
  return row ?? null;
}

/**
 * A sign-in's audit entry. A denied one is an "unauthorized attempt" like any refused action;
 * its actor is a user's name only when that user exists (UNKNOWN_USER_ACTOR otherwise, never
 * what was typed), and `details.clientAddress` is the source the alert rule counts by.
 */
export async function auditSignIn(
  actorId: number | null,
  username: string,
  role: Role | null,
  outcome: "allowed" | "denied",
  details: Record<string, unknown>,
): Promise<void> {
  await transaction((tx) =>
    appendAudit(tx, {
      actorId,
      actor: username.slice(0, 200) || "anonymous",
      actorRole: role && isRole(role) ? role : null,
      action: "session.sign_in",
      outcome,
      subject: actorId !== null ? `user:${actorId}` : null,
      details,
    }),
  );
}
