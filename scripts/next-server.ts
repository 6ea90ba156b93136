// The built app served by `next start` on 127.0.0.1, as the bench, the browser tests and the
// fault test run it: a free port, the command, the wait until it answers, and the stop.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** `next start` on 127.0.0.1:port, as [command, ...args]. */
export function nextStartCommand(port: number): string[] {
  return [path.join(process.cwd(), "node_modules", ".bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"];
}

/**
 * What a server started by a test or the bench needs to sign people in: NEXTAUTH_URL (its own
 * address, which next-auth's redirects are built from) and the two start secrets. The secrets
 * are made once per process and put into process.env, so every server this process starts,
 * and every restart of one (the fault test), signs and seals with the same keys.
 */
export function serverAuthEnv(baseUrl: string): Record<"NEXTAUTH_URL" | "NEXTAUTH_SECRET" | "SECRETS_KEY", string> {
  process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString("base64");
  process.env.SECRETS_KEY ??= randomBytes(32).toString("base64");
  return { NEXTAUTH_URL: baseUrl, NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET, SECRETS_KEY: process.env.SECRETS_KEY };
}

/**
 * Polls GET /api/health until it answers 200 (it answers 503 while the database is
 * unreachable). Throws with `output()` when the server exits first or `timeoutMs` passes.
 */
export async function waitUntilAnswering(
  baseUrl: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `next start exited (code ${child.exitCode}, signal ${child.signalCode}) before answering:\n${output()}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`next start did not answer within ${timeoutMs / 1000} s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Sends `signal` to the process group of a server started with `detached: true` (next and
 * whatever it forked), SIGKILL after `graceMs`, and waits for it to exit.
 */
export async function stopProcessGroup(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const send = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      child.kill(s);
    }
  };
  send(signal);
  const timer = setTimeout(() => send("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
