// The /reloads page's URL: the read API's filters (lib/reloads/filters.ts) from the page's
// search params, and links back to the page with some of them changed. Pure.
import { toUrlSearchParams } from "@/lib/query-params";
import { parseReloadListQuery, RELOAD_LIST_PARAMETERS, type ParsedReloadList } from "./filters";

export type PageSearchParams = Record<string, string | string[] | undefined>;

/** The page's filters, parsed with the read API's rules (a bad one is named, not ignored). */
export function parseReloadsPageParams(searchParams: PageSearchParams): ParsedReloadList {
  return parseReloadListQuery(toUrlSearchParams(searchParams));
}

/** /reloads with these parameters (empty ones left out), in a stable order. */
export function reloadsHref(params: Record<string, string | undefined | null>): string {
  const query = new URLSearchParams();
  for (const name of RELOAD_LIST_PARAMETERS) {
    const value = params[name];
    if (value) query.set(name, value);
  }
  const text = query.toString();
  return text ? `/reloads?${text}` : "/reloads";
}
