// The replay's URL (?at=<ISO>&reload=<key>&page=<n>): parsed once, for the page and the API
// alike, so a pasted link and a fetch mean the same thing. Client-safe (no I/O).
import { z } from "zod";
import { justBefore } from "@/lib/domain/replay";

/** Instants later than this past the server's clock are refused, as ingest refuses such events. */
export const FUTURE_LIMIT_MS = 5 * 60_000;

export interface ReplayParams {
  /** null: not given (the page picks one: the reload's start, or now) */
  at: Date | null;
  reload: string | null;
  page: number;
}

export type ParsedReplayParams = { ok: true; params: ReplayParams } | { ok: false; errors: string[] };

const schema = z.object({
  at: z
    .string()
    .trim()
    .refine(
      (v) =>
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
        !Number.isNaN(Date.parse(v)),
      {
        message: "must be an RFC 3339 instant, e.g. 2026-11-21T14:03:07.412Z",
      },
    )
    .transform((v) => new Date(v))
    .optional(),
  reload: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, "must be a reload key (the number in /reloads/<key>)")
    .optional(),
  page: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** Parses the query; `retentionDays` and `now` bound the instant (older history is gone, the future unknown). */
export function parseReplayParams(
  searchParams: Record<string, string | string[] | undefined> | URLSearchParams,
  now: Date,
  retentionDays: number,
): ParsedReplayParams {
  const entries = searchParams instanceof URLSearchParams ? [...searchParams.entries()] : Object.entries(searchParams);
  const flat: Record<string, string> = {};
  for (const [k, v] of entries) {
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined && value !== "" && (k === "at" || k === "reload" || k === "page")) flat[k] = value;
  }
  const parsed = schema.safeParse(flat);
  if (!parsed.success)
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  const at = parsed.data.at ?? null;
  if (at && at.getTime() > now.getTime() + FUTURE_LIMIT_MS) return { ok: false, errors: ["at: is in the future"] };
  if (at && at.getTime() < now.getTime() - retentionDays * 86_400_000) {
    return { ok: false, errors: [`at: is older than the retention window (${retentionDays} days)`] };
  }
  return { ok: true, params: { at, reload: parsed.data.reload ?? null, page: parsed.data.page ?? 1 } };
}

export function replayHref(p: { at?: Date | string | null; reload?: string | null; page?: number }): string {
  const params = new URLSearchParams();
  if (p.at) params.set("at", typeof p.at === "string" ? p.at : p.at.toISOString());
  if (p.reload) params.set("reload", p.reload);
  if (p.page && p.page > 1) params.set("page", String(p.page));
  const query = params.toString();
  return query ? `/replay?${query}` : "/replay";
}

/**
 * The replay a reload page, an alert or a matrix cell links to: a reload's "just before →
 * just after" (the page derives the window from the reload's times with reloadReplayWindow,
 * so the link stays short and right as late events arrive), else just before an instant.
 */
export function replayLinkFor(subject: { reloadKey: string | null; instant?: Date | null }): string {
  if (subject.reloadKey) return replayHref({ reload: subject.reloadKey });
  return replayHref({ at: subject.instant ? justBefore(subject.instant) : null });
}
