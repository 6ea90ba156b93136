// Composite keys and the one order every ingest transaction locks rows in.

/** A map key for a tuple of ids and names (the parts cannot contain NUL: ingest rejects it). */
export function compositeKey(...parts: (string | number)[]): string {
  return parts.join("\u0000");
}

/**
 * Compares tuples the way Postgres orders them with `ORDER BY … COLLATE "C"`: numbers
 * numerically, strings by code point (UTF-8 byte order). Rows are locked in this order in
 * code and in SQL alike, so two transactions never wait on each other in a cycle.
 */
export function compareTuples(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const c = typeof x === "number" && typeof y === "number" ? x - y : compareCodePoints(String(x), String(y));
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Code point order (= UTF-8 byte order); JS `<` compares UTF-16 code units, which puts
 * characters above U+FFFF (surrogate pairs) before U+E000–U+FFFF. Remapping each code unit
 * (surrogates up, U+E000–U+FFFF down) gives code point order without allocating.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Sorts rows by a tuple in lock order. */
export function inLockOrder<T>(rows: T[], tuple: (row: T) => readonly (string | number)[]): T[] {
  return rows
    .map((row) => ({ row, key: tuple(row) }))
    .sort((a, b) => compareTuples(a.key, b.key))
    .map((x) => x.row);
}
