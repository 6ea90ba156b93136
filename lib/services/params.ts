// The service page's URL: /services/{id}?page=N. Pure, shared by the page, its layout and tests.

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
