// A server binary the integration tests run (Prometheus, Alertmanager): spawned in a process
// group of its own with the tail of its output kept for error messages, ready once its
// /-/ready answers 200, and stopped together with its temporary directory.
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { stopProcessGroup } from "@/scripts/next-server";

export interface RunningDaemon {
  /** The last 20,000 characters it wrote (stdout and stderr). */
  output(): string;
  /** SIGTERM to its process group, then its directory removed. */
  stop(): Promise<void>;
}

/**
 * Runs `binary` with `args` and waits up to 30 s for `${url}/-/ready`; `dir` is removed when it
 * stops. A start that fails stops what it started and throws with the daemon's output.
 */
export async function startDaemon(
  name: string,
  binary: string,
  args: string[],
  url: string,
  dir: string,
): Promise<RunningDaemon> {
  let log = "";
  const child = spawn(binary, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = async () => {
    await stopProcessGroup(child, "SIGTERM", 5_000);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (code ${child.exitCode}) before it was ready:\n${log}`);
      }
      const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })
        .then(async (r) => (await r.arrayBuffer(), r.ok))
        .catch(() => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`${name} was not ready within 30 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { output: () => log, stop };
}
