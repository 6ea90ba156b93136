// The reloads list's filters as the read API takes them (GET /api/v1/reloads?…): every
// parameter is checked, and a bad one is named in the answer rather than ignored, since a
// pipeline that mistypes a filter must not wait on the wrong reloads.
import { parseTimeExpression, TIME_EXPRESSION_HELP } from "@/lib/domain/time-range";
import { RELOAD_STATUSES, type ReloadStatus } from "@/lib/domain/types";
import { InvalidParameter, isBigintKey, parseListFilters, parseParameters } from "@/lib/query-params";

export const RELOADS_DEFAULT_LIMIT = 50;
export const RELOADS_MAX_LIMIT = 500;

/** Where the previous page ended, in the list's order (first_event_at desc, key desc). */
export interface ReloadCursor {
  firstEventAt: Date;
  key: string;
}

export interface ReloadListFilters {
  reloadId?: string;
  environment?: string;
  namespace?: string;
  service?: string;
  /** part of the service's name (case-insensitive), the page's Service box */
  q?: string;
  kind?: string;
  /** one resource (routes.yaml): its story across reloads */
  resource?: string;
  status?: ReloadStatus[];
  initiator?: string;
  /** Reloads first heard of at or after this instant. */
  from?: Date;
  /** Reloads first heard of before this instant. */
  to?: Date;
  cursor?: ReloadCursor;
  limit: number;
}

export type ParsedReloadList =
  { ok: true; filters: ReloadListFilters } | { ok: false; parameter: string; message: string };

/** Every parameter the list takes, in the order links to it write them (reloadsHref). */
export const RELOAD_LIST_PARAMETERS = [
  "reloadId",
  "environment",
  "namespace",
  "service",
  "q",
  "kind",
  "resource",
  "status",
  "initiator",
  "from",
  "to",
  "limit",
  "cursor",
] as const;
const NOT_TEXT: ReadonlySet<string> = new Set(["status", "from", "to", "limit", "cursor"]);
const TEXT_PARAMETERS = RELOAD_LIST_PARAMETERS.filter((name) => !NOT_TEXT.has(name));
const MAX_TEXT = 256;

export function parseReloadListQuery(params: URLSearchParams): ParsedReloadList {
  return parseParameters(() => parse(params));
}

function parse(params: URLSearchParams): ReloadListFilters {
  const { text, list, from, to, cursor, limit } = parseListFilters(params, {
    known: RELOAD_LIST_PARAMETERS,
    text: { names: TEXT_PARAMETERS, maxLength: MAX_TEXT },
    list: { name: "status", allowed: RELOAD_STATUSES, noun: "a status" },
    instant: parseInstant,
    limit: { default: RELOADS_DEFAULT_LIMIT, max: RELOADS_MAX_LIMIT },
    cursor: (value) => {
      const decoded = decodeCursor(value);
      if (!decoded) throw new InvalidParameter("cursor", "not a cursor this API gave out; start again without it");
      return decoded;
    },
  });
  return {
    ...text,
    ...(list ? { status: list } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(cursor ? { cursor } : {}),
    limit,
  };
}

// The time picker's values (lib/domain/time-range.ts): now-1h, an RFC 3339 time, or a date (UTC).
function parseInstant(name: string, text: string): Date {
  // A time of day must say its zone here: a pipeline's clock is not the reader's.
  const zoneless = /\d[T ]\d{2}:\d{2}/.test(text) && !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const instant = zoneless ? null : parseTimeExpression(text, new Date());
  if (!instant)
    throw new InvalidParameter(
      name,
      `${TIME_EXPRESSION_HELP} (a date alone is UTC midnight; a time of day needs Z or an offset)`,
    );
  return instant;
}

export function encodeCursor(cursor: ReloadCursor): string {
  return Buffer.from(JSON.stringify([cursor.firstEventAt.getTime(), cursor.key]), "utf8").toString("base64url");
}

export function decodeCursor(text: string): ReloadCursor | null {
  if (text.length > 100 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [ms, key] = value as unknown[];
    if (typeof ms !== "number" || !Number.isSafeInteger(ms) || typeof key !== "string" || parseReloadKey(key) === null)
      return null;
    const firstEventAt = new Date(ms);
    return Number.isNaN(firstEventAt.getTime()) ? null : { firstEventAt, key };
  } catch {
    return null;
  }
}

/** A reload key as the database holds it (a positive 64-bit integer, in decimal), or null. */
export function parseReloadKey(text: string): string | null {
  return isBigintKey(text) ? text : null;
}
