// The rooms of lib/ (a folder, or a top-level file such as env.ts) import each other one
// way only: the graph of room → room imports has no cycle (CONVENTIONS.md, "Data flows one
// way"). Files are read as text, so a new import that closes a circle fails here with the
// files that make up the circle.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";

const LIB = "lib";
const SKIP = new Set(["generated", "node_modules"]);

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) files.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts)$/.test(name)) files.push(full);
  }
  return files;
}

/** lib/alerts/deliver.ts → "alerts"; lib/env.ts → "env". */
function roomOf(file: string): string {
  const [, first] = path.normalize(file).split(path.sep);
  return first!.replace(/\.(ts|tsx|mts)$/, "");
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

/** The rooms a file imports, with "@/lib/x" and relative specifiers resolved to a room. */
function importedRooms(file: string): string[] {
  const rooms: string[] = [];
  for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const spec = match[1]!;
    let target: string | undefined;
    if (spec.startsWith("@/lib/")) target = path.join(LIB, spec.slice("@/lib/".length));
    else if (spec.startsWith(".")) target = path.join(path.dirname(file), spec);
    if (!target || !path.normalize(target).startsWith(LIB + path.sep)) continue;
    rooms.push(roomOf(target));
  }
  return rooms;
}

type Graph = Map<string, Map<string, string[]>>;

function roomGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(LIB)) {
    const from = roomOf(file);
    const edges = graph.get(from) ?? new Map<string, string[]>();
    graph.set(from, edges);
    for (const to of importedRooms(file)) {
      if (to === from) continue;
      edges.set(to, [...new Set([...(edges.get(to) ?? []), file])]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one room (Tarjan). */
function circles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (room: string) => {
    index.set(room, counter);
    low.set(room, counter);
    counter += 1;
    stack.push(room);
    onStack.add(room);
    for (const next of graph.get(room)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(room, Math.min(low.get(room)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(room, Math.min(low.get(room)!, index.get(next)!));
      }
    }
    if (low.get(room) === index.get(room)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== room);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const room of [...graph.keys()].sort()) if (!index.has(room)) visit(room);
  return found;
}

function describeCircle(graph: Graph, component: string[]): string[] {
  const inside = new Set(component);
  const lines: string[] = [];
  for (const from of component) {
    for (const [to, files] of graph.get(from) ?? []) {
      if (inside.has(to)) lines.push(`${from} → ${to}: ${files.join(", ")}`);
    }
  }
  return lines;
}

describe("lib's room graph", () => {
  const graph = roomGraph();

  test("reads the rooms it claims to (the parse finds imports)", () => {
    expect(graph.size).toBeGreaterThan(10);
    expect([...(graph.get("fleet")?.keys() ?? [])]).toContain("db");
  });

  test("finds a circle when there is one (the check can fail)", () => {
    const planted: Graph = new Map([
      ["a", new Map([["b", ["lib/a/x.ts"]]])],
      ["b", new Map([["a", ["lib/b/y.ts"]]])],
      ["c", new Map([["a", ["lib/c/z.ts"]]])],
    ]);
    expect(circles(planted)).toEqual([["a", "b"]]);
  });

  test("has no circle", () => {
    expect(circles(graph).map((component) => describeCircle(graph, component))).toEqual([]);
  });
});
