// The service page's URL: /services/{id}?page=N&from=&to=&behind=1&sort=. Pure, shared by the
// page, its layout and tests.
import { parseBehindSort, type BehindSort } from "@/lib/domain/behind";
import { parseTimeRange } from "@/lib/domain/time-range";

export const INSTANCE_PAGE_SIZE = 200;
const MAX_PAGE = 100_000;

/** A service id from the path: digits only, within Postgres' int4; anything else is no service. */
export function parseServiceId(raw: string): number | null {
  if (!/^\d{1,10}$/.test(raw)) return null;
  const id = Number(raw);
  return id >= 1 && id <= 2_147_483_647 ? id : null;
}

/** The instance page from `?page=`; a missing or unusable value is the first page. */
export function parseInstancePage(raw: string | string[] | undefined): number {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !/^\d{1,6}$/.test(value)) return 1;
  const page = Number(value);
  return page >= 1 && page <= MAX_PAGE ? page : 1;
}

export function serviceHref(id: number, page = 1): string {
  return page > 1 ? `/services/${id}?page=${page}` : `/services/${id}`;
}

/** The charts' range when the URL names none. */
export const DEFAULT_CHART_FROM = "now-7d";
const DEFAULT_CHART_SPAN_MS = 7 * 86_400_000;

export interface ChartRange {
  /** the URL's from/to as given (the picker shows them) */
  fromText: string;
  toText: string | null;
  from: Date;
  to: Date;
  /** a bad from/to, named; the default range is drawn instead */
  problem: string | null;
}

/** The charts' range from `?from=&to=`: the one time parser, open ends closed at the default and now. */
export function parseChartRange(
  from: string | string[] | undefined,
  to: string | string[] | undefined,
  now: Date,
): ChartRange {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;
  const parsed = parseTimeRange(first(from), first(to), now);
  const fallback = {
    fromText: DEFAULT_CHART_FROM,
    toText: null,
    from: new Date(now.getTime() - DEFAULT_CHART_SPAN_MS),
    to: now,
  };
  if (!parsed.ok) return { ...fallback, problem: parsed.message };
  const end = parsed.to ?? now;
  return {
    fromText: parsed.fromText ?? DEFAULT_CHART_FROM,
    toText: parsed.toText,
    from: parsed.from ?? new Date(end.getTime() - DEFAULT_CHART_SPAN_MS),
    to: end,
    problem: null,
  };
}

export interface BehindView {
  /** ?behind=1: only the instance × resource pairs off the desired version */
  behind: boolean;
  sort: BehindSort;
}

export function parseBehindView(
  behind: string | string[] | undefined,
  sort: string | string[] | undefined,
): BehindView {
  const value = Array.isArray(behind) ? behind[0] : behind;
  return { behind: value === "1", sort: parseBehindSort(sort) };
}

/** The service page's URL with these parameters (empty ones left out), keeping the others given. */
export function serviceViewHref(id: number, params: Record<string, string | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  return query.size ? `/services/${id}?${query}` : `/services/${id}`;
}

/** One resource's story: /services/{id}/resources/{kind}/{resource}, each part one path segment. */
export function resourceHref(serviceId: number, kind: string, resource: string): string {
  return `/services/${serviceId}/resources/${encodeURIComponent(kind)}/${encodeURIComponent(resource)}`;
}

/** A kind or resource from its path segment (Next hands it over still encoded); null when unusable. */
export function parseResourceSegment(raw: string): string | null {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return value.length > 0 && value.length <= 512 && !value.includes("\u0000") ? value : null;
}
