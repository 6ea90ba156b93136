import "server-only";
import { randomUUID } from "node:crypto";
import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { appendAudit, type AuditOutcome } from "@/lib/audit-chain/audit-log";
import { dbTransaction, transaction, type DbTransaction, type Sql } from "@/lib/db/client";
import { sqlState } from "@/lib/db/sql-state";
import { authorize, type Action, type ActionSubject } from "@/lib/domain/permissions";
import { ActionDenied, ActionError, type ActionErrorCode } from "./action-error";
import { currentActor, type Actor } from "./actor";

export { ActionError, type ActionErrorCode };

// The one shape of every server action (CONVENTIONS.md "Mutations"):
//   session → permission → zod → transaction (subject loaded and re-checked inside) → audit → revalidate.
// Every attempt writes an audit entry: allowed ones in the action's own transaction (so an
// action and its entry commit together or not at all), denied, invalid and failed ones in a
// transaction of their own after the action's was rolled back. A denied entry is the
// "unauthorized attempt" signal the alert rules read (audit_log.outcome = 'denied').

export type ActionResult<T> =
  { ok: true; data: T } | { ok: false; code: ActionErrorCode; error: string; fieldErrors?: Record<string, string[]> };

export interface ActionSubjectInfo extends ActionSubject {
  serviceId?: number | null;
  /** what is acted on, for the audit log: "reload_request:12" */
  subject?: string | null;
}

export interface ActionContext<Input> {
  tx: Sql;
  actor: Actor;
  input: Input;
  subject: ActionSubjectInfo;
}

/** What an action declared `prisma: true` runs with: its transaction also serves Prisma Client (`tx.db`). */
export interface PrismaActionContext<Input> extends ActionContext<Input> {
  tx: DbTransaction;
}

export interface ActionOutcome<T> {
  data: T;
  /** what the audit entry records beyond the input; serviceId/subject default to the loaded subject's */
  audit?: { serviceId?: number | null; subject?: string | null; details?: Record<string, unknown> };
  /** runs after commit (wake the dispatch worker, say) */
  afterCommit?: () => void;
}

/** Loads, inside the transaction (locking what it must), the service and owner the rule needs; null = not found. */
type SubjectLoader<Tx, Input> = (tx: Tx, input: Input) => Promise<ActionSubjectInfo | null>;

interface ActionSpecBase<Schema extends z.ZodType> {
  permission: Action;
  input: Schema;
  /** what the audit entry keeps of the input (default: all of it); never passwords or secrets */
  auditInput?: (input: z.infer<Schema>) => Record<string, unknown>;
  revalidate?: string[];
}

/** An action whose transaction is plain SQL (`transaction`): the rooms not (yet) on Prisma Client. */
export interface SqlActionSpec<Schema extends z.ZodType, T> extends ActionSpecBase<Schema> {
  prisma?: false;
  subject?: SubjectLoader<Sql, z.infer<Schema>>;
  run: (context: ActionContext<z.infer<Schema>>) => Promise<ActionOutcome<T>>;
}

/**
 * An action of a CRUD room (docs/adr/0004): its transaction is Prisma's interactive one
 * (`dbTransaction`), so it writes with Prisma Client (`tx.db`) and its audit entry (SQL)
 * commits with those writes or not at all.
 */
export interface PrismaActionSpec<Schema extends z.ZodType, T> extends ActionSpecBase<Schema> {
  prisma: true;
  subject?: SubjectLoader<DbTransaction, z.infer<Schema>>;
  run: (context: PrismaActionContext<z.infer<Schema>>) => Promise<ActionOutcome<T>>;
}

export type ActionSpec<Schema extends z.ZodType, T> = SqlActionSpec<Schema, T> | PrismaActionSpec<Schema, T>;

const RETRYABLE = new Set(["40P01", "40001"]);
const MAX_ATTEMPTS = 4;

export function defineAction<Schema extends z.ZodType, T>(
  spec: ActionSpec<Schema, T>,
): (raw: unknown) => Promise<ActionResult<T>> {
  const auditInput =
    spec.auditInput ?? ((input: z.infer<Schema>) => (input && typeof input === "object" ? { ...input } : { input }));
  return async (raw: unknown) => {
    const actor = await currentActor();
    if (!actor) {
      await auditAlone(null, spec.permission, "denied", {}, { reason: "not signed in" });
      return { ok: false, code: "unauthenticated", error: "Sign in first." };
    }
    const decision = authorize(actor, spec.permission);
    if (!decision.allowed) {
      await auditAlone(actor, spec.permission, "denied", {}, { reason: decision.reason });
      return { ok: false, code: "forbidden", error: `Not allowed: ${decision.reason}.` };
    }
    const parsed = spec.input.safeParse(raw);
    if (!parsed.success) {
      const fieldErrors = fieldErrorsOf(parsed.error);
      await auditAlone(actor, spec.permission, "invalid", {}, { problems: fieldErrors });
      return { ok: false, code: "invalid", error: "Some fields need attention.", fieldErrors };
    }
    const input = parsed.data as z.infer<Schema>;
    let subject: ActionSubjectInfo = {};
    type Load<Tx extends Sql> = SubjectLoader<Tx, z.infer<Schema>> | undefined;
    type Run<Tx extends Sql> = (context: ActionContext<z.infer<Schema>> & { tx: Tx }) => Promise<ActionOutcome<T>>;
    const attempt = async <Tx extends Sql>(tx: Tx, load: Load<Tx>, run: Run<Tx>) => {
      subject = (load ? await load(tx, input) : {}) ?? notFound();
      const check = authorize(actor, spec.permission, subject);
      if (!check.allowed) throw new ActionDenied(check.reason);
      const result = await run({ tx, actor, input, subject });
      await appendAudit(tx, {
        ...auditIdentity(actor, spec.permission, "allowed"),
        serviceId: result.audit?.serviceId ?? subject.serviceId ?? null,
        subject: result.audit?.subject ?? subject.subject ?? null,
        details: { input: auditInput(input), ...result.audit?.details },
      });
      return result;
    };
    try {
      // A CRUD room's action runs in Prisma's interactive transaction, others in plain SQL (docs/adr/0004).
      const outcome = await withRetries(() =>
        spec.prisma
          ? dbTransaction((tx) => attempt(tx, spec.subject, spec.run))
          : transaction((tx) => attempt(tx, spec.subject, spec.run)),
      );
      outcome.afterCommit?.();
      for (const path of spec.revalidate ?? []) revalidate(path);
      return { ok: true, data: outcome.data };
    } catch (error) {
      if (error instanceof ActionDenied) {
        await auditAlone(actor, spec.permission, "denied", subject, {
          reason: error.message,
          input: auditInput(input),
        });
        return { ok: false, code: "forbidden", error: `Not allowed: ${error.message}.` };
      }
      if (error instanceof ActionError) {
        await auditAlone(
          actor,
          spec.permission,
          "failed",
          subject,
          { reason: error.message, input: auditInput(input) },
          error.alsoCommit,
        );
        return {
          ok: false,
          code: error.code,
          error: error.message,
          ...(error.fieldErrors ? { fieldErrors: error.fieldErrors } : {}),
        };
      }
      const refusal = postgresRefusal(error);
      if (refusal) {
        await auditAlone(actor, spec.permission, "invalid", subject, {
          problems: { _form: [refusal.message] },
          postgresCode: refusal.code,
          input: auditInput(input),
        });
        return { ok: false, code: "invalid", error: refusal.message };
      }
      const errorId = randomUUID();
      console.error(`[action] ${spec.permission} failed (error id ${errorId}):`, error);
      await auditAlone(actor, spec.permission, "failed", subject, {
        reason: `internal error ${errorId}`,
        input: auditInput(input),
      }).catch(() => {});
      return { ok: false, code: "failed", error: `Something went wrong (error id ${errorId}); nothing was changed.` };
    }
  };
}

/**
 * Postgres's refusals of a value as such (not of the request): input the schema let through
 * but a column cannot hold. The caller's to fix, so `invalid` rather than "Something went
 * wrong"; Postgres's own text stays out of the answer (it quotes the value and the types).
 */
const VALUE_REFUSALS: Record<string, string> = {
  "22021": "A value holds a character that cannot be stored (such as NUL, \\u0000); nothing was changed.",
  "22P05": "A value holds a character that cannot be stored (such as NUL, \\u0000); nothing was changed.",
  "22003": "A number is out of range; nothing was changed.",
  "22P02": "A value is not in the form expected (a number or an id, say); nothing was changed.",
};

function postgresRefusal(error: unknown): { code: string; message: string } | null {
  const code = sqlState(error);
  return code !== null && code in VALUE_REFUSALS ? { code, message: VALUE_REFUSALS[code]! } : null;
}

function notFound(): never {
  throw new ActionError("not_found", "Not found: it may have been removed.");
}

function auditIdentity(actor: Actor | null, action: Action, outcome: AuditOutcome) {
  return {
    actorId: actor?.id ?? null,
    actor: actor?.username ?? "anonymous",
    actorRole: actor?.role ?? null,
    action,
    outcome,
  };
}

async function auditAlone(
  actor: Actor | null,
  action: Action,
  outcome: AuditOutcome,
  subject: ActionSubjectInfo,
  details: Record<string, unknown>,
  alsoCommit?: (tx: Sql) => Promise<void>,
) {
  await withRetries(() =>
    transaction(async (tx) => {
      await alsoCommit?.(tx);
      await appendAudit(tx, {
        ...auditIdentity(actor, action, outcome),
        serviceId: subject.serviceId ?? null,
        subject: subject.subject ?? null,
        details,
      });
    }),
  );
}

async function withRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = sqlState(error);
      if (attempt >= MAX_ATTEMPTS || code === null || !RETRYABLE.has(code)) throw error;
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join(".") : "_form";
    const messages = (out[key] ??= []);
    // One check can fail twice for one value (an id neither an integer nor in range): say it once.
    if (!messages.includes(issue.message)) messages.push(issue.message);
  }
  return out;
}

function revalidate(path: string) {
  try {
    revalidatePath(path);
  } catch {
    // Outside a request (a script or test calling the action) there is no cache to revalidate.
  }
}
