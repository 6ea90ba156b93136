// The README's variable tables and lib/env.ts (the only reader of process.env) name the same
// variables: a variable the app reads is documented, and a documented one is read. Both
// files are read as text, so a rename on either side fails here.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

/** The schema's keys: lib/env.ts's indented `NAME: z…` lines (the zod object is the file's only such shape). */
function envKeys(): Set<string> {
  const source = readFileSync("lib/env.ts", "utf8");
  return new Set([...source.matchAll(/^ +([A-Z][A-Z0-9_]*): z\b/gm)].map((m) => m[1]!));
}

/** Every variable a README table row documents: backticked NAMES in a row's first cell. */
function readmeVariables(): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync("README.md", "utf8").split("\n")) {
    if (!line.startsWith("| `")) continue;
    const firstCell = line.split("|")[1] ?? "";
    for (const m of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)(?:=[^`]*)?`/g)) names.add(m[1]!);
  }
  return names;
}

// Read by scripts and tools, never by the app (so not in lib/env.ts), and documented where they are used.
const NOT_THE_APPS = new Set(["RELOADSCOPE_URL", "RELOADSCOPE_TOKEN"]);
// Set by `npm start` itself for the processes it starts; not a setting.
const INTERNAL = new Set(["RELOADSCOPE_EMBEDDED"]);

describe("README ↔ lib/env.ts", () => {
  test("every variable the app reads is in a README table", () => {
    const documented = readmeVariables();
    expect([...envKeys()].filter((k) => !documented.has(k) && !INTERNAL.has(k)).sort()).toEqual([]);
  });

  test("every variable a README table names is read by the app (or is a tool's)", () => {
    const read = envKeys();
    expect([...readmeVariables()].filter((k) => !read.has(k) && !NOT_THE_APPS.has(k)).sort()).toEqual([]);
  });

  test("the schema parse found the variables (the test reads what it claims to)", () => {
    expect(envKeys().size).toBeGreaterThan(40);
    expect(envKeys()).toContain("DATABASE_URL");
    expect(readmeVariables()).toContain("DATABASE_URL");
  });
});
