// Calls a real server action of the built app over HTTP, the way the browser's React does:
// POST to the page that renders it, header `Next-Action: <id>`, body its arguments encoded
// by React's own encodeReply (a JSON array; multipart when an argument is a FormData, as a
// form adapter's is), the session cookie; the answer is React's flight (RSC) stream, whose
// row with the action's return value is decoded here. Only exports a client component uses
// are in the build's manifest (a form's `…Form` adapter, or the plain function a button calls). The id comes from the build's
// server-reference-manifest, found by the action's exported name and its file, so a test
// names `approveRequest` in lib/approvals/actions/approve-request.ts, never an opaque hash.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ActionResult } from "@/lib/auth/define-action";
// React's client-side reply encoder, as bundled with Next (the browser uses the same code).
// createRequire: scripts run as ES modules under tsx (tests/replicas) have no `require`.
const { encodeReply } = createRequire(import.meta.url)("next/dist/compiled/react-server-dom-webpack/client.node") as {
  encodeReply: (value: unknown) => Promise<string | FormData>;
};

interface ManifestEntry {
  workers: Record<string, unknown>;
  exportedName?: string;
  filename?: string;
}

let manifest: Record<string, ManifestEntry> | undefined;

function entries(): Record<string, ManifestEntry> {
  if (!manifest) {
    const file = path.join(process.cwd(), ".next", "server", "server-reference-manifest.json");
    manifest = (JSON.parse(readFileSync(file, "utf8")) as { node: Record<string, ManifestEntry> }).node;
  }
  return manifest;
}

/** The exported names of `file` that the build has as server actions. */
export function actionsIn(file: string): string[] {
  const want = file.replace(/\\/g, "/");
  return Object.values(entries())
    .filter((e) => e.filename?.replace(/\\/g, "/").endsWith(want))
    .map((e) => e.exportedName ?? "");
}

/** A FormData of these fields, as a form would submit them (for a `…Form(previous, formData)` adapter). */
export function formOf(fields: Record<string, string | number>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
  return form;
}

/** The reload request form's fields: config routes.yaml of `serviceId` to `toVersion`, a canary of one, then the rest. */
export const reloadRequestFields = (serviceId: number, toVersion: string, reason: string) => ({
  serviceId,
  kind: "config",
  resource: "routes.yaml",
  toVersion,
  scope: "count",
  canaryCount: 1,
  reason,
});

/**
 * A page that renders `exportedName` of `file`, as a browser posts it: Next runs an action
 * only for a page whose bundle has it (posted elsewhere, it answers 200 with an empty JSON
 * body and runs nothing). The first page of the build's manifest without a dynamic segment.
 */
export function pageOf(file: string, exportedName: string): string {
  const entry = entries()[actionId(file, exportedName)]!;
  const pages = Object.keys(entry.workers)
    .map(
      (worker) =>
        worker
          .replace(/^app/, "")
          .replace(/\/\([^)]+\)/g, "")
          .replace(/\/page$/, "") || "/",
    )
    .filter((page) => !page.includes("["));
  if (pages.length === 0)
    throw new Error(
      `${exportedName} in ${file} is only on dynamic pages (${Object.keys(entry.workers).join(", ")}): name the page`,
    );
  return pages[0]!;
}

/** The action id of `exportedName` exported by `file` (relative to the repository, e.g. "lib/requests/actions/request-reload.ts"). */
export function actionId(file: string, exportedName: string): string {
  const want = file.replace(/\\/g, "/");
  const found = Object.entries(entries()).filter(
    ([, e]) => e.exportedName === exportedName && e.filename?.replace(/\\/g, "/").endsWith(want),
  );
  if (found.length !== 1) {
    const known = Object.values(entries())
      .map((e) => `${e.filename}#${e.exportedName}`)
      .join(", ");
    throw new Error(
      `${found.length === 0 ? "no" : "more than one"} server action ${exportedName} in ${file} in the build (known: ${known})`,
    );
  }
  return found[0]![0];
}

export interface ActionCall {
  baseUrl: string;
  /** the page that renders the action, as a browser posts to it: "/approvals" */
  page: string;
  /** the session Cookie header (signInWithPassword); "" for a signed-out caller */
  cookie: string;
  file: string;
  exportedName: string;
  args: unknown[];
}

/** POSTs the call and resolves to what the action returned; throws with the answer when it is not an action result. */
export async function callAction<T = unknown>(call: ActionCall): Promise<ActionResult<T>> {
  const body = await encodeReply(call.args);
  const response = await fetch(new URL(call.page, call.baseUrl), {
    method: "POST",
    headers: {
      accept: "text/x-component",
      // A FormData body gets its multipart boundary from fetch.
      ...(typeof body === "string" ? { "content-type": "text/plain;charset=UTF-8" } : {}),
      "next-action": actionId(call.file, call.exportedName),
      origin: new URL(call.baseUrl).origin,
      ...(call.cookie ? { cookie: call.cookie } : {}),
    },
    body,
    redirect: "manual",
  });
  const text = await response.text();
  if (response.status !== 200 || !(response.headers.get("content-type") ?? "").startsWith("text/x-component")) {
    throw new Error(
      `${call.exportedName} on ${call.page} answered ${response.status} ${response.headers.get("content-type")}: ${text.slice(0, 500)}`,
    );
  }
  return decodeActionResult(text) as ActionResult<T>;
}

/**
 * The action's return value from a flight stream: rows `<hex id>:<json>`; row 0 is the
 * envelope whose `a` names the row holding the result ("$@1"). Plain JSON values only (what
 * ActionResult holds); `$$` escapes a string that starts with `$`, `$undefined` is undefined.
 */
export function decodeActionResult(flight: string): unknown {
  const rows = new Map<string, unknown>();
  for (const line of flight.split("\n")) {
    const match = /^([0-9a-f]+):(.*)$/.exec(line);
    if (!match) continue;
    const body = match[2]!;
    // Rows of other types (T text, I imports, E errors…) start with a letter, not JSON.
    if (/^[A-Z]/.test(body)) {
      if (body.startsWith("E")) throw new Error(`the action threw: ${body.slice(1)}`);
      continue;
    }
    rows.set(match[1]!, JSON.parse(body));
  }
  const resolve = (value: unknown): unknown => {
    if (typeof value === "string") {
      if (value === "$undefined") return undefined;
      if (value.startsWith("$$")) return value.slice(1);
      const ref = /^\$@?([0-9a-f]+)$/.exec(value);
      if (ref) return resolve(rows.get(ref[1]!));
      return value;
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  const envelope = rows.get("0") as { a?: unknown } | undefined;
  if (!envelope || !("a" in envelope)) throw new Error(`no action result in the answer: ${flight.slice(0, 500)}`);
  return resolve(envelope.a);
}
