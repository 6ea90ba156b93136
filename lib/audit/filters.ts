// The audit log's filters, as the /audit page's URL and the CSV export take them: every
// parameter is checked and a bad one is named (an auditor who mistypes a filter must see
// that, not a quietly unfiltered log). Pure: no I/O.
import {
  InvalidParameter,
  isBigintKey,
  parseListFilters,
  parseParameters,
  toUrlSearchParams,
} from "@/lib/query-params";
import { isRelativeTime, parseTimeExpression } from "@/lib/domain/time-range";
import type { AuditOutcome } from "@/lib/audit-chain/audit-log";

export const AUDIT_OUTCOMES = ["allowed", "denied", "invalid", "failed"] as const satisfies readonly AuditOutcome[];
export const AUDIT_DEFAULT_LIMIT = 50;
export const AUDIT_MAX_LIMIT = 200;

export interface AuditFilters {
  /** the actor's username, exactly ("system" for entries the app writes itself) */
  actor?: string;
  /** an action name, exactly: "request.approve" */
  action?: string;
  outcome?: AuditOutcome[];
  /** a service's name, in any environment */
  service?: string;
  /** what was acted on, exactly: "reload_request:12" */
  subject?: string;
  /** entries at or after this instant */
  from?: Date;
  /** entries before this instant */
  to?: Date;
  /** entries older than this id (the last one of the previous page) */
  cursor?: string;
  /** sign-ins are left out unless asked for (showsSignIns) */
  signins?: true;
  limit: number;
}

/** The action a sign-in is audited as (lib/auth/sign-in.ts). */
export const SIGN_IN_ACTION = "session.sign_in";

/**
 * Sign-ins are most of the log and rarely what is looked for, so a view leaves them out
 * unless asked for: the "include sign-ins" box, an action filter naming them (the sign-in
 * alert links there), or one subject's entries (a user's own story is short).
 */
export function showsSignIns(filters: AuditFilters): boolean {
  return Boolean(filters.signins || filters.action === SIGN_IN_ACTION || filters.subject);
}

export type AuditSearchParams = Record<string, string | string[] | undefined>;

export type ParsedAuditFilters =
  { ok: true; filters: AuditFilters } | { ok: false; parameter: string; message: string };

const TEXT_PARAMETERS = ["actor", "action", "service", "subject"] as const;
export const AUDIT_PARAMETERS = [...TEXT_PARAMETERS, "outcome", "signins", "from", "to", "cursor", "limit"] as const;
const MAX_TEXT = 256;
// A date (UTC), or a date and time with Z or an offset; the page's datetime-local boxes send
// "2026-11-21T14:03" without a zone, which is read as UTC, as the boxes say.
const INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

export function parseAuditFilters(searchParams: AuditSearchParams | URLSearchParams): ParsedAuditFilters {
  const params = searchParams instanceof URLSearchParams ? searchParams : toUrlSearchParams(searchParams);
  return parseParameters(() => parse(params));
}

function parse(params: URLSearchParams): AuditFilters {
  const { text, list, from, to, cursor, limit } = parseListFilters(params, {
    known: AUDIT_PARAMETERS,
    text: { names: TEXT_PARAMETERS, maxLength: MAX_TEXT },
    list: { name: "outcome", allowed: AUDIT_OUTCOMES, noun: "an outcome" },
    instant: parseInstant,
    limit: { default: AUDIT_DEFAULT_LIMIT, max: AUDIT_MAX_LIMIT },
    cursor: (value) => {
      if (!isEntryId(value))
        throw new InvalidParameter("cursor", "an entry id (a positive whole number); start again without it");
      return value;
    },
    trim: true,
  });
  const signins = params.get("signins")?.trim();
  if (signins && signins !== "include")
    throw new InvalidParameter("signins", '"include" to show sign-ins, or leave it out');
  return {
    ...text,
    ...(list ? { outcome: list } : {}),
    ...(signins ? { signins: true as const } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(cursor ? { cursor } : {}),
    limit,
  };
}

/** An audit entry id as the database holds it (a positive 64-bit integer, in decimal). */
export function isEntryId(text: string): boolean {
  return isBigintKey(text);
}

function parseInstant(name: string, text: string): Date {
  // The time picker's relative values (now-1h), read at the moment of the request, so a linked
  // or exported "last hour" is always the last hour.
  if (isRelativeTime(text)) return parseTimeExpression(text, new Date())!;
  let normalised = text;
  if (text.length === 10) normalised = `${text}T00:00:00Z`;
  else if (!/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text)) normalised = `${text}Z`;
  const instant = INSTANT.test(text) ? new Date(normalised) : null;
  if (!instant || Number.isNaN(instant.getTime()) || instant.getUTCFullYear() < 1 || instant.getUTCFullYear() > 9999) {
    throw new InvalidParameter(
      name,
      "now-1h (s, m, h, d, w), a date (2026-11-21, UTC) or a time (2026-11-21T14:03:07Z; without a zone it is UTC)",
    );
  }
  return instant;
}

/** The URL of /audit (or the export) with these parameters, empty ones left out, in a stable order. */
export function auditHref(
  params: Partial<Record<(typeof AUDIT_PARAMETERS)[number], string | null | undefined>>,
  base = "/audit",
): string {
  const query = new URLSearchParams();
  for (const name of AUDIT_PARAMETERS) {
    const value = params[name];
    if (value) query.set(name, value);
  }
  const text = query.toString();
  return text ? `${base}?${text}` : base;
}

export interface AuditNote {
  label: string;
  text: string;
}

/**
 * The words people typed into an action, as text: a decision's comment and a request's reason
 * (define-action stores the input under details.input). A refusal's reason is not one of
 * them: it is shown beside the outcome.
 */
export function auditEntryNotes(details: Record<string, unknown>): AuditNote[] {
  const input =
    details.input !== null && typeof details.input === "object" ? (details.input as Record<string, unknown>) : {};
  const notes: AuditNote[] = [];
  const add = (label: string, value: unknown) => {
    if (typeof value === "string" && value.trim()) notes.push({ label, text: value.trim() });
  };
  add("Comment", input.comment);
  add("Reason", input.reason);
  return notes;
}

/** True when any filter narrows the log (paging does not). */
export function isFiltered(filters: AuditFilters): boolean {
  return Boolean(
    filters.actor ||
    filters.action ||
    filters.outcome?.length ||
    filters.service ||
    filters.subject ||
    filters.from ||
    filters.to,
  );
}
