// lib/api (the route handlers' wrappers, machine tokens and the one error table) sits on top of
// lib's rooms: it imports auth, ingest, otlp, db, domain and env, and among lib's files only
// server actions import it (an admin action makes or revokes a token). Files are read as text,
// so a new import of lib/api from below fails here with the file that makes it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "generated" || name === "node_modules") continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) files.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts)$/.test(name)) files.push(full);
  }
  return files;
}

const inApi = (file: string) => path.normalize(file).startsWith(path.join("lib", "api") + path.sep);

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

/** Whether a file's imports name lib/api, by alias or by a relative path. */
function importsApi(file: string): boolean {
  for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const spec = match[1]!;
    if (spec.startsWith("@/lib/api/")) return true;
    if (spec.startsWith(".") && inApi(path.join(path.dirname(file), spec))) return true;
  }
  return false;
}

const isAction = (file: string) => path.normalize(file).split(path.sep).includes("actions");

test("the check reads imports (app's routes import lib/api)", () => {
  expect(importsApi(path.join("app", "api", "v1", "events", "route.ts"))).toBe(true);
});

test("among lib's files, only server actions import lib/api", () => {
  const below = sourceFiles("lib").filter((file) => !inApi(file));
  expect(below.filter((file) => importsApi(file) && !isAction(file))).toEqual([]);
});
