// The code stays as `npm run format` (prettier, .prettierrc.json: 120 columns) leaves it, so
// no logic line grows past the line limit again; what prettier cannot break (a long SQL line
// inside a template, a long string) it leaves alone. A file that fails: `npm run format`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as prettier from "prettier";
import { describe, expect, test } from "vitest";

const SOURCES = /\.(ts|tsx|mts|mjs|js)$/;

function trackedSources(): string[] {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" });
  return files.split("\n").filter((file) => SOURCES.test(file));
}

describe("formatting", () => {
  test("finds the sources (the check reads what it claims to)", () => {
    expect(trackedSources()).toContain("lib/env.ts");
  });

  test("a file prettier would change is found (the check can fail)", async () => {
    const options = (await prettier.resolveConfig("lib/env.ts")) ?? {};
    expect(await prettier.check("const  x = {a:1}\n", { ...options, filepath: "x.ts" })).toBe(false);
  });

  test("every source is formatted", async () => {
    const unformatted: string[] = [];
    for (const file of trackedSources()) {
      const info = await prettier.getFileInfo(file, { ignorePath: ".prettierignore" });
      if (info.ignored || !info.inferredParser) continue;
      const options = (await prettier.resolveConfig(file)) ?? {};
      if (!(await prettier.check(readFileSync(file, "utf8"), { ...options, filepath: file }))) unformatted.push(file);
    }
    expect(unformatted).toEqual([]);
  }, 120_000);
});
