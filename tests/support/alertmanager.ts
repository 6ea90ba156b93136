// Debian's Alertmanager (`prometheus-alertmanager`, installed by .ci/run) for the delivery
// tests: one process on a free 127.0.0.1 port with a temporary config whose one route sends
// every alert to a webhook receiver the test runs, clustering off, storage in a temp dir.
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "@/scripts/next-server";
import { startDaemon } from "./daemon";

export const ALERTMANAGER_BINARY = process.env.ALERTMANAGER_PATH ?? "/usr/bin/prometheus-alertmanager";

/** An alert as Alertmanager's own API (`GET /api/v2/alerts`) lists it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  fingerprint: string;
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[] };
}

export interface RunningAlertmanager {
  url: string;
  /** its configuration file: rewrite it and call reload() (the source tests) */
  configFile: string;
  /** `POST /-/reload`: its status (200 loaded, 500 refused) and body */
  reload(): Promise<{ status: number; body: string }>;
  /** `GET /api/v2/alerts`: the unresolved alerts it holds (silenced and inhibited ones too). */
  alerts(): Promise<AlertmanagerAlert[]>;
  /** Polls `alerts()` until `holds` is true of the list; Alertmanager takes posts in asynchronously. */
  waitUntil(holds: (alerts: AlertmanagerAlert[]) => boolean, timeoutMs?: number): Promise<AlertmanagerAlert[]>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Alertmanager routing every alert to `webhookUrl` (with send_resolved), grouped per
 * alert (by fingerprint) and without group waits, so a notification follows a post at once.
 */
export async function startAlertmanager(webhookUrl: string): Promise<RunningAlertmanager> {
  if (!existsSync(ALERTMANAGER_BINARY)) {
    throw new Error(
      `Alertmanager not found at ${ALERTMANAGER_BINARY}: install it with \`apt-get update && apt-get install -y prometheus-alertmanager\` (.ci/run does this)`,
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "rs-alertmanager-"));
  const config = [
    "route:",
    "  receiver: test-webhook",
    "  group_by: ['alertname', 'fingerprint']",
    "  group_wait: 0s",
    "  group_interval: 1s",
    "  repeat_interval: 1h",
    "receivers:",
    "  - name: test-webhook",
    "    webhook_configs:",
    `      - url: ${JSON.stringify(webhookUrl)}`,
    "        send_resolved: true",
    "",
  ].join("\n");
  await writeFile(path.join(dir, "alertmanager.yml"), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const daemon = await startDaemon(
    "Alertmanager",
    ALERTMANAGER_BINARY,
    [
      `--config.file=${path.join(dir, "alertmanager.yml")}`,
      `--storage.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty address turns gossip clustering off (no port of its own, no peers to wait for).
      "--cluster.listen-address=",
      `--web.external-url=${url}`,
      "--log.level=warn",
    ],
    url,
    dir,
  );

  // The v2 API lists the alerts Alertmanager holds unresolved: one whose endsAt has passed
  // (a resolution) drops out of it, and the receiver gets a "resolved" notification.
  const alerts = async () => {
    const query = new URLSearchParams({ active: "true", silenced: "true", inhibited: "true", unprocessed: "true" });
    const response = await fetch(`${url}/api/v2/alerts?${query}`);
    if (!response.ok) throw new Error(`GET /api/v2/alerts answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as AlertmanagerAlert[];
  };

  return {
    url,
    configFile: path.join(dir, "alertmanager.yml"),
    async reload() {
      const response = await fetch(`${url}/-/reload`, { method: "POST" });
      return { status: response.status, body: await response.text() };
    },
    alerts,
    async waitUntil(holds, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const list = await alerts();
        if (holds(list)) return list;
        if (Date.now() > deadline) {
          const holding = JSON.stringify(list, null, 1);
          throw new Error(`Alertmanager's alerts never met the condition; it holds: ${holding}\n${daemon.output()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    output: daemon.output,
    stop: daemon.stop,
  };
}
