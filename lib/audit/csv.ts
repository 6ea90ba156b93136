// CSV text for the audit export (RFC 4180: comma-separated, CRLF rows, fields quoted when
// they hold a comma, quote or line break, quotes doubled). Audit cells carry text people
// typed (reasons, comments, usernames), and a spreadsheet runs a cell that starts with
// = + - @ (or a tab or carriage return, which some strip first) as a formula, so such a
// cell is prefixed with ' (OWASP "CSV injection"). Pure.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: null/undefined → empty, formula-looking text defused, quoted when it must be. */
export function csvCell(value: string | number | bigint | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  // Numbers are written by us, never a formula; a negative one stays a number.
  let text = typeof value === "string" ? value : String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRow(values: readonly (string | number | bigint | boolean | null | undefined)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
