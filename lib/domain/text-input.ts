// Text and JSON as they arrive from outside (request bodies, protobuf strings): the checks
// that decide whether Postgres can store them as sent. Pure, shared by both ingest routes.

/** How many containers (objects, arrays; AnyValue kvlists and arrays) may nest inside one another. */
export const MAX_NESTING = 32;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes UTF-8. A byte that starts no valid sequence becomes the lone surrogate U+DC80 +
 * its low bits (Python's "surrogateescape", PEP 383) instead of U+FFFD: Buffer.toString
 * would turn `u8-X\xff` and `u8-X\xfe` into one id, while a lone surrogate keeps them
 * apart and is refused, naming its field, by the same check that refuses a lone
 * surrogate sent as `\udcff` (textProblem).
 */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const view = bytes.subarray(start, end);
  try {
    return strictUtf8.decode(view);
  } catch {
    return decodeEscaped(view);
  }
}

function decodeEscaped(bytes: Uint8Array): string {
  let text = "";
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      text += String.fromCharCode(lead);
      i++;
      continue;
    }
    // The well-formed sequences of the Unicode standard, table 3-7: the second byte's range
    // depends on the lead byte (no overlong forms, no surrogates, nothing above U+10FFFF).
    let length = 0;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    }
    let codePoint = length === 2 ? lead & 0x1f : length === 3 ? lead & 0x0f : lead & 0x07;
    let valid = length > 0 && i + length <= bytes.length;
    for (let k = 1; valid && k < length; k++) {
      const byte = bytes[i + k]!;
      if (byte < (k === 1 ? low : 0x80) || byte > (k === 1 ? high : 0xbf)) valid = false;
      codePoint = (codePoint << 6) | (byte & 0x3f);
    }
    if (valid) {
      text += String.fromCodePoint(codePoint);
      i += length;
    } else {
      text += String.fromCharCode(0xdc00 + lead);
      i++;
    }
  }
  return text;
}

/** A lone low surrogate U+DC80–U+DCFF: what decodeUtf8 makes of a byte that is not UTF-8. */
const ESCAPED_BYTE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

/** Why Postgres could not store this text as it was sent, or null. */
export function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain NUL characters (\\u0000)";
  if (text.isWellFormed()) return null;
  return ESCAPED_BYTE.test(text) ? "is not valid UTF-8" : "must be valid Unicode (it holds a lone UTF-16 surrogate)";
}

type Step = { value: unknown; depth: number; parent: Step | null; key: string | number | null; anchor: Step | null };

/**
 * Where a parsed value nests more than `limit` levels, walked without recursion so that no
 * depth can exhaust the stack (zod's and our own validators recurse, and 451 levels of
 * OTLP/JSON AnyValue did). `counts(key)` says which steps make a level: every step into a
 * container by default; for OTLP, only `arrayValue` and `kvlistValue`. The answer names
 * the path where the counted nesting starts: "…attributes[0].value: nested deeper than 32 levels".
 */
export function nestingProblem(
  root: unknown,
  options: { limit?: number; path?: string; counts?: (key: string | number) => boolean } = {},
): string | null {
  const limit = options.limit ?? MAX_NESTING;
  const counts = options.counts ?? (() => true);
  const everyStep = options.counts === undefined;
  if (!isContainer(root)) return null;
  const first: Step = { value: root, depth: everyStep ? 1 : 0, parent: null, key: null, anchor: null };
  const stack: Step[] = [first];
  while (stack.length > 0) {
    const step = stack.pop()!;
    if (step.depth > limit) {
      const at = pathOf(step.anchor ?? first, options.path ?? "");
      return `${at || "the body"}: nested deeper than ${limit} levels`;
    }
    const entries: Iterable<[string | number, unknown]> = Array.isArray(step.value)
      ? step.value.entries()
      : Object.entries(step.value as object);
    for (const [key, child] of entries) {
      if (!isContainer(child)) continue;
      const counted = counts(key);
      // The anchor is where counting began: the root for plain JSON, else the container
      // whose first counted step this is (an attribute's value).
      const anchor = everyStep ? first : (step.anchor ?? (counted ? step : null));
      stack.push({ value: child, depth: step.depth + (counted ? 1 : 0), parent: step, key, anchor });
    }
  }
  return null;
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null && !ArrayBuffer.isView(value);
}

function pathOf(step: Step, prefix: string): string {
  const keys: (string | number)[] = [];
  for (let s: Step | null = step; s && s.key !== null; s = s.parent) keys.unshift(s.key);
  return keys.reduce<string>(
    (path, key) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key),
    prefix,
  );
}
