// Parsing a list page's URL filters (the reloads list and read API, the audit log): the same
// refusals everywhere, each naming the parameter, so a bad link gets a 400 that says what to fix.

export class InvalidParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

export type ParsedParameters<T> = { ok: true; filters: T } | { ok: false; parameter: string; message: string };

/** A page's search params (Next.js: a repeated name as an array) as URLSearchParams, for the parsers below. */
export function toUrlSearchParams(searchParams: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(searchParams)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  return params;
}

/** A search parameter as a filter form shows it again: its text, or undefined when absent, empty or repeated. */
export function formValue(raw: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = raw[name];
  return typeof value === "string" && value ? value : undefined;
}

/** The service an admin form starts on (`?service=<id>`, as the service page links to it), or null. */
export function chosenServiceId(raw: Record<string, string | string[] | undefined>): number | null {
  const chosen = Number(typeof raw.service === "string" ? raw.service : NaN);
  return Number.isSafeInteger(chosen) ? chosen : null;
}

/** Runs a parser that throws InvalidParameter, and turns the refusal into a result. */
export function parseParameters<T>(parse: () => T): ParsedParameters<T> {
  try {
    return { ok: true, filters: parse() };
  } catch (error) {
    if (error instanceof InvalidParameter)
      return { ok: false, parameter: error.parameter, message: `${error.parameter}: ${error.message}` };
    throw error;
  }
}

/** Refuses unknown parameters and repeated ones. */
export function checkParameterNames(params: URLSearchParams, known: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (!known.includes(name)) throw new InvalidParameter(shorten(name), `unknown parameter; use ${known.join(", ")}`);
    if (seen.has(name)) throw new InvalidParameter(name, "given more than once");
    seen.add(name);
  }
}

/** A free-text filter: bounded, no control characters. */
export function textParameter(name: string, text: string, maxLength: number): string {
  if (text.length > maxLength) throw new InvalidParameter(name, `at most ${maxLength} characters`);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new InvalidParameter(name, "control characters are not allowed");
  return text;
}

/** A comma-separated list of known values, deduplicated; `noun` names one value in the refusal ("a status"). */
export function enumListParameter<T extends string>(
  name: string,
  text: string,
  allowed: readonly T[],
  noun: string,
): T[] {
  const values = text.split(",").map((v) => v.trim());
  const unknown = values.find((v) => !(allowed as readonly string[]).includes(v));
  if (unknown !== undefined) {
    throw new InvalidParameter(
      name,
      `"${shorten(unknown)}" is not ${noun}; use one or more (comma-separated) of ${allowed.join(", ")}`,
    );
  }
  return [...new Set(values)] as T[];
}

/** A page size from 1 to `max`. */
export function limitParameter(text: string, max: number): number {
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new InvalidParameter("limit", `a whole number from 1 to ${max}`);
  return Number(text);
}

/** from ≤ to, when both are given. */
export function checkRange(from: Date | undefined, to: Date | undefined): void {
  if (from && to && from > to) throw new InvalidParameter("from", "must not be after to");
}

/** What a list page's URL takes: free-text filters, one comma-separated list of known values, a time range, a page size and a cursor. */
export interface ListFilterSpec<E extends string, C> {
  /** every parameter the list knows (others are refused) */
  known: readonly string[];
  text: { names: readonly string[]; maxLength: number };
  list: { name: string; allowed: readonly E[]; noun: string };
  /** "from" and "to", each read by the list's own instant rule */
  instant: (name: "from" | "to", text: string) => Date;
  limit: { default: number; max: number };
  /** the cursor as given out by the list; throws InvalidParameter for any other text */
  cursor: (text: string) => C;
  /** drop white space around each value (a GET form's boxes send it as typed) */
  trim?: boolean;
}

export interface ListFilterValues<E extends string, C> {
  text: Record<string, string>;
  list?: E[];
  from?: Date;
  to?: Date;
  cursor?: C;
  limit: number;
}

/** Reads a list page's URL by `spec`; an empty value means "no filter", as a GET form sends its empty boxes. Throws InvalidParameter. */
export function parseListFilters<E extends string, C>(
  params: URLSearchParams,
  spec: ListFilterSpec<E, C>,
): ListFilterValues<E, C> {
  checkParameterNames(params, spec.known);
  const value = (name: string) => (spec.trim ? params.get(name)?.trim() : params.get(name)) || undefined;
  const values: ListFilterValues<E, C> = { text: {}, limit: spec.limit.default };
  for (const name of spec.text.names) {
    const text = value(name);
    if (text !== undefined) values.text[name] = textParameter(name, text, spec.text.maxLength);
  }
  const list = value(spec.list.name);
  if (list !== undefined) values.list = enumListParameter(spec.list.name, list, spec.list.allowed, spec.list.noun);
  for (const name of ["from", "to"] as const) {
    const text = value(name);
    if (text !== undefined) values[name] = spec.instant(name, text);
  }
  checkRange(values.from, values.to);
  const limit = value("limit");
  if (limit !== undefined) values.limit = limitParameter(limit, spec.limit.max);
  const cursor = value("cursor");
  if (cursor !== undefined) values.cursor = spec.cursor(cursor);
  return values;
}

const MAX_BIGINT = 9223372036854775807n;

/** A positive 64-bit integer in decimal, as bigserial keys are written. */
export function isBigintKey(text: string): boolean {
  return /^[1-9]\d{0,18}$/.test(text) && BigInt(text) <= MAX_BIGINT;
}

export function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
