// The built app under test: `next start` on 127.0.0.1 in its own process group, so a SIGKILL
// reaches every process it runs, and its output kept in a log file for the report.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { nextStartCommand, serverAuthEnv, stopProcessGroup, waitUntilAnswering } from "@/scripts/next-server";

export interface AppOptions {
  port: number;
  databaseUrl: string;
  ingestToken: string;
  logFile: string;
  /** the server command, `next start` unless given (a stand-in when developing this test without a build) */
  command?: (port: number) => string[];
}

export class App {
  private child: ChildProcess | null = null;
  starts = 0;

  constructor(private readonly options: AppOptions) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** Starts `next start` and waits until it answers. */
  async start(timeoutMs = 90_000): Promise<void> {
    const { port, databaseUrl, ingestToken, logFile } = this.options;
    const out = fs.openSync(logFile, "a");
    fs.writeSync(out, `\n--- next start #${++this.starts} at ${new Date().toISOString()} ---\n`);
    const [command, ...args] = this.options.command?.(port) ?? nextStartCommand(port);
    const child = spawn(command!, args, {
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_SIZE: "10",
        INGEST_TOKEN: ingestToken,
        NEXT_TELEMETRY_DISABLED: "1",
        ...serverAuthEnv(this.baseUrl),
      },
      detached: true, // its own process group: kill() reaches next and anything it forked
      stdio: ["ignore", out, out],
    });
    fs.closeSync(out);
    this.child = child;
    await waitUntilAnswering(this.baseUrl, child, timeoutMs, () => this.logTail());
  }

  /** Sends `signal` to the app's process group and waits for it to exit. */
  async kill(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child) await stopProcessGroup(child, signal, timeoutMs);
  }

  /** The server's log lines (every start of this run) that match `pattern`. */
  logLines(pattern: RegExp): string[] {
    if (!fs.existsSync(this.options.logFile)) return [];
    return fs
      .readFileSync(this.options.logFile, "utf8")
      .split("\n")
      .filter((line) => pattern.test(line));
  }

  logTail(lines = 40): string {
    if (!fs.existsSync(this.options.logFile)) return "";
    return fs.readFileSync(this.options.logFile, "utf8").split("\n").slice(-lines).join("\n");
  }
}
