// Phase: the end-to-end figure. GET /fleet from the running `next start`: the server's complete
// HTML (the whole body read, not the first byte), one request at a time over a keep-alive
// connection, warm-up requests first, then timed ones. Measured with the full history, at the
// point where the matrix is timed. No Accept-Encoding, so the server sends the HTML as it is
// (no compression cost in the timing); its gzip size is computed here, afterwards, for reference.
import http from "node:http";
import zlib from "node:zlib";
import { cfg } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int, kb, ms, summarize, type Timing } from "../format";
import { localRequest } from "../http";
import { log, phase, progress } from "../log";
import { state } from "../setup/state";

export const FLEET_PATH = "/fleet";

export interface PageResult {
  path: string;
  timing: Timing;
  cpu: CpuUse;
  /** bytes of the HTML of the last timed response */
  htmlBytes: number;
  /** the same HTML gzipped here (level 6), for reference */
  gzipBytes: number;
  /** distinct links to service pages in the HTML: the matrix rows on the first page */
  serviceLinks: number;
}

function getPage(
  agent: http.Agent,
  port: number,
  path: string,
  cookie: string,
): Promise<{ status: number; contentType: string; html: Buffer }> {
  return localRequest({ port, method: "GET", path, agent, headers: { accept: "text/html", cookie } }).then((res) => ({
    status: res.status,
    contentType: String(res.headers["content-type"] ?? ""),
    html: res.body,
  }));
}

/** Fetches the page once, signed in (`cookie`), and checks that it is a complete HTML page; returns its HTML. */
export async function fetchComplete(agent: http.Agent, port: number, path: string, cookie: string): Promise<Buffer> {
  const res = await getPage(agent, port, path, cookie);
  if (res.status !== 200)
    throw new Error(`GET ${path} answered ${res.status} (expected 200): ${res.html.toString("utf8").slice(0, 300)}`);
  if (!res.contentType.startsWith("text/html"))
    throw new Error(`GET ${path} answered ${res.contentType || "no content type"}, expected text/html`);
  if (!res.html.includes("</html>"))
    throw new Error(`GET ${path} answered an incomplete page (${res.html.length} bytes, no </html>)`);
  return res.html;
}

export async function timeFleetPage(port: number, cookie: string): Promise<PageResult> {
  const path = FLEET_PATH;
  phase(`GET ${path}: ${cfg.pageWarmup} warm-up + ${cfg.pageRuns} timed requests, one at a time, whole HTML read`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < cfg.pageWarmup; i++) await fetchComplete(agent, port, path, cookie);
    const cpu0 = cpuSnapshot(state.server?.pid);
    const samples: number[] = [];
    let html: Buffer = Buffer.alloc(0);
    for (let i = 0; i < cfg.pageRuns; i++) {
      const t0 = performance.now();
      html = await fetchComplete(agent, port, path, cookie);
      samples.push(performance.now() - t0);
      progress.done = i + 1;
    }
    const cpu = cpuSince(cpu0, state.server?.pid);
    const timing = summarize(samples);
    const serviceLinks = new Set(html.toString("utf8").match(/href="\/services\/[^"?#]+"/g) ?? []).size;
    const result: PageResult = {
      path,
      timing,
      cpu,
      htmlBytes: html.length,
      gzipBytes: zlib.gzipSync(html).length,
      serviceLinks,
    };
    log(
      `GET ${path}: p50 ${ms(timing.p50)}, p95 ${ms(timing.p95)}, max ${ms(timing.max)}; ${kb(result.htmlBytes)} of HTML ` +
        `(${kb(result.gzipBytes)} gzipped), ${int(serviceLinks)} service links; ${describeCpu(cpu)}`,
    );
    return result;
  } finally {
    agent.destroy();
  }
}
