// Every exported read of the query modules refuses a caller nobody established (docs/adr/0017):
// called outside runAsReader(), it looks for a session and, finding none, refuses before it
// reads anything: outside a request Next itself refuses the cookie read ("outside a request
// scope"); inside one, the answer is a redirect to sign-in (the route sweep checks that). The modules are found by name, so a new query module is checked
// without anyone adding it here.
import { describe, expect, test } from "vitest";
import { runAsReader } from "@/lib/auth/require-actor";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const modules = import.meta.glob([
  "/lib/**/queries.ts",
  "/lib/**/*-queries.ts",
  "/lib/services/charts.ts",
  "/lib/fleet/status.ts",
  "/lib/audit/evidence.ts",
]);

async function readsOf(): Promise<{ name: string; read: (...args: unknown[]) => unknown }[]> {
  const found: { name: string; read: (...args: unknown[]) => unknown }[] = [];
  for (const [file, load] of Object.entries(modules)) {
    const exports = (await load()) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      // Pure helpers some modules export beside their reads (a range parser) are not reads.
      if (typeof value === "function" && !/^[A-Z]|^parse/.test(name))
        found.push({ name: `${file}#${name}`, read: value as (...args: unknown[]) => unknown });
    }
  }
  return found;
}

const redirectOf = (error: unknown) => String((error as { digest?: unknown })?.digest ?? "");

describe("the query modules' reads", () => {
  test("are found (the glob matches the layout)", async () => {
    const names = (await readsOf()).map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "/lib/fleet/queries.ts#getFleetMatrix",
        "/lib/reloads/queries.ts#listReloads",
        "/lib/admin/queries.ts#listTokens",
      ]),
    );
    expect(names.length).toBeGreaterThan(30);
  });

  test("each refuses a caller nobody established, before any read", async () => {
    const escaped: string[] = [];
    for (const { name, read } of await readsOf()) {
      try {
        const answer = read(...argumentsFor());
        // An async generator (the metrics scrape) runs its body when its first chunk is asked for.
        if (answer && typeof (answer as AsyncGenerator).next === "function") await (answer as AsyncGenerator).next();
        else await answer;
        escaped.push(`${name}: answered`);
      } catch (error) {
        const refused =
          (redirectOf(error).startsWith("NEXT_REDIRECT") && redirectOf(error).includes("/sign-in")) ||
          /outside a request scope/.test(String(error));
        if (!refused) escaped.push(`${name}: ${String(error)}`);
      }
    }
    expect(escaped).toEqual([]);
  });

  test("the admin lists refuse a signed-in viewer, and a bench script's reader reads", async () => {
    const { listTokens, listUsers } = await import("@/lib/admin/queries");
    const viewer = {
      kind: "user" as const,
      actor: { id: 1, username: "v", displayName: "v", role: "viewer" as const, groups: [] },
    };
    await expect(runAsReader(viewer, () => listTokens())).rejects.toThrow(/token\.manage/);
    await expect(runAsReader(viewer, () => listUsers())).rejects.toThrow(/user\.manage/);
    const { getFleetMatrix } = await import("@/lib/fleet/queries");
    const bench = { kind: "system" as const, purpose: "test" };
    await expect(
      runAsReader(bench, () =>
        getFleetMatrix({ env: undefined, ns: undefined, kind: undefined, q: undefined, drifting: false, page: 1 }),
      ),
    ).resolves.toMatchObject({ groups: [] });
  });
});

/** Plausible arguments for any read (ids, keys, filters): the gate comes first, so they never reach SQL. */
function argumentsFor(): unknown[] {
  return ["1", { env: undefined, ns: undefined, kind: undefined, q: undefined, drifting: false, page: 1 }];
}
