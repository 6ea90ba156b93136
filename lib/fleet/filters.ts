// Fleet filters live in the URL (?env=&ns=&kind=&drifting=1&failing=1&q=&page=), so a link reproduces a view.
import { z } from "zod";

export const FLEET_PAGE_SIZE = 100;

// Postgres text cannot hold NUL (`?q=%00` made the page fail), and no filter value means
// anything with control characters or half a surrogate pair in it: they are dropped.
const UNUSABLE = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Each field falls back on its own, so one bad parameter does not drop the others.
const text = z
  .string()
  .transform((v) => v.replace(UNUSABLE, "").trim())
  .pipe(z.string().max(200))
  .optional()
  .catch(undefined)
  .transform((v) => (v ? v : undefined));

export const fleetFiltersSchema = z.object({
  env: text,
  ns: text,
  kind: text,
  q: text,
  drifting: z
    .enum(["1", "0", "true", "false"])
    .optional()
    .catch(undefined)
    .transform((v) => v === "1" || v === "true"),
  /** Only services with a failed or NACKed instance × resource. */
  failing: z
    .enum(["1", "0", "true", "false"])
    .optional()
    .catch(undefined)
    .transform((v) => v === "1" || v === "true"),
  page: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .catch(undefined)
    .transform((v) => v ?? 1),
});

// "failing" came later than the others: a caller that builds filters by hand may leave it out.
export type FleetFilters = Omit<z.infer<typeof fleetFiltersSchema>, "failing"> & { failing?: boolean };

/** No filter, the first page: /fleet as the nav opens it (and the replay's matrix, which pages by its own links). */
export const NO_FLEET_FILTERS: FleetFilters = {
  env: undefined,
  ns: undefined,
  kind: undefined,
  q: undefined,
  drifting: false,
  failing: false,
  page: 1,
};

export function parseFleetFilters(searchParams: Record<string, string | string[] | undefined>): FleetFilters {
  const flat = Object.fromEntries(Object.entries(searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const parsed = fleetFiltersSchema.safeParse(flat);
  return parsed.success ? parsed.data : { ...NO_FLEET_FILTERS };
}

export function fleetHref(filters: Partial<FleetFilters>): string {
  const params = new URLSearchParams();
  if (filters.env) params.set("env", filters.env);
  if (filters.ns) params.set("ns", filters.ns);
  if (filters.kind) params.set("kind", filters.kind);
  if (filters.q) params.set("q", filters.q);
  if (filters.drifting) params.set("drifting", "1");
  if (filters.failing) params.set("failing", "1");
  if (filters.page && filters.page > 1) params.set("page", String(filters.page));
  const qs = params.toString();
  return qs ? `/fleet?${qs}` : "/fleet";
}
