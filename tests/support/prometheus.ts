// Debian's Prometheus (`prometheus`, installed by .ci/run) for the source tests: one process on
// a free 127.0.0.1 port, scraping itself and the given targets every second, with its
// lifecycle API on (POST /-/reload) and its storage in a temp dir. Also a static exposition
// server (what Envoy, Traefik or CoreDNS would expose, set by the test) and a bearer-token
// gate in front of a query API, since Prometheus itself does not check bearer tokens.
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "@/scripts/next-server";
import { startDaemon } from "./daemon";

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_PATH ?? "/usr/bin/prometheus";

export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  labels?: Record<string, string>;
}

export interface RunningPrometheus {
  url: string;
  /** host:port it scrapes itself at (its `instance` label) */
  address: string;
  configFile: string;
  /** Writes its configuration: itself and `targets`, `extra` appended (a comment, or something broken). */
  writeConfig(extra?: string): Promise<void>;
  /** `POST /-/reload`: its status (200 loaded, 500 refused) and body */
  reload(): Promise<{ status: number; body: string }>;
  /** An instant query's vector, as {labels, value}. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: string }[]>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(
  targets: ScrapeTarget[],
  labels: Record<string, string> = {},
): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new Error(
      `Prometheus not found at ${PROMETHEUS_BINARY}: install it with \`apt-get update && apt-get install -y prometheus\` (.ci/run does this)`,
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "rs-prometheus-"));
  const configFile = path.join(dir, "prometheus.yml");
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const url = `http://${address}`;
  const all: ScrapeTarget[] = [{ job: "prometheus", address, labels }, ...targets];
  const writeConfig = async (extra = "") => {
    const lines = [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 900ms",
      "  evaluation_interval: 1s",
      "scrape_configs:",
    ];
    for (const t of all) {
      lines.push(
        `  - job_name: ${JSON.stringify(t.job)}`,
        "    static_configs:",
        `      - targets: [${JSON.stringify(t.address)}]`,
      );
      const own = { ...labels, ...t.labels };
      if (Object.keys(own).length > 0) lines.push(`        labels: ${JSON.stringify(own)}`);
    }
    await writeFile(configFile, `${lines.join("\n")}\n${extra}\n`);
  };
  await writeConfig();

  const daemon = await startDaemon(
    "Prometheus",
    PROMETHEUS_BINARY,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=${address}`,
      "--web.enable-lifecycle",
      "--log.level=warn",
    ],
    url,
    dir,
  );

  return {
    url,
    address,
    configFile,
    writeConfig,
    async reload() {
      const response = await fetch(`${url}/-/reload`, { method: "POST" });
      return { status: response.status, body: await response.text() };
    },
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
      const body = (await response.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result.map((r) => ({ metric: r.metric, value: r.value[1] }));
    },
    output: daemon.output,
    stop: daemon.stop,
  };
}

export interface ExpositionServer {
  address: string;
  /** What GET /metrics answers from now on. */
  set(text: string): void;
  close(): Promise<void>;
}

/** A /metrics endpoint answering the text the test sets: a stand-in for a server we cannot run here. */
export async function startExpositionServer(initial: string): Promise<ExpositionServer> {
  let text = initial;
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === "/metrics" ? 200 : 404, { "content-type": "text/plain; version=0.0.4" });
    res.end(req.url === "/metrics" ? text : "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    set(next) {
      text = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface TokenGate {
  url: string;
  /** requests it refused */
  refused: number;
  close(): Promise<void>;
}

/** A reverse proxy to `upstream` that answers 401 unless the request carries `Bearer <token>`, as a Prometheus behind an auth proxy does. */
export async function startTokenGate(upstream: string, token: string): Promise<TokenGate> {
  const gate: TokenGate = { url: "", refused: 0, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      gate.refused++;
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("Unauthorized\n");
      return;
    }
    const answer = await fetch(`${upstream}${req.url}`);
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  gate.url = `http://127.0.0.1:${port}`;
  gate.close = () => new Promise((resolve) => server.close(() => resolve()));
  return gate;
}
