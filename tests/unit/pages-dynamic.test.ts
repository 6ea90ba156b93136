import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";

// `next build` prerendered /(dashboard)/admin/page (it only redirects),
// rendering the layouts that read the session, so the build read the server's secrets and a
// short NEXTAUTH_SECRET failed it. No page may be prerendered: each page is under a segment
// (itself or a layout above it) that exports dynamic = "force-dynamic".

const APP = path.join(process.cwd(), "app");
const FORCE_DYNAMIC = /^export const dynamic = "force-dynamic";?$/m;

function pages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return pages(full);
    return /^(page|not-found)\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function exportsForceDynamic(file: string): boolean {
  return existsSync(file) && FORCE_DYNAMIC.test(readFileSync(file, "utf8"));
}

/** The page itself, or a layout of its segment or one above, up to the root layout. */
function forcedDynamic(page: string): boolean {
  if (exportsForceDynamic(page)) return true;
  for (let dir = path.dirname(page); dir.startsWith(APP); dir = path.dirname(dir)) {
    if (exportsForceDynamic(path.join(dir, "layout.tsx"))) return true;
  }
  return false;
}

describe("no page is prerendered at build time", () => {
  test.each(pages(APP).map((file) => [path.relative(process.cwd(), file)]))("%s is rendered per request", (file) => {
    expect(forcedDynamic(path.join(process.cwd(), file))).toBe(true);
  });
});
