// Runs the `reloadscope` CLI as a process (node bin/reloadscope.mjs), as a pipeline runs it.
import { spawn } from "node:child_process";
import path from "node:path";

export const CLI = path.resolve(import.meta.dirname, "../../bin/reloadscope.mjs");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Only what the CLI reads: a RELOADSCOPE_* of the test runner must not leak in. */
function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "", ...env } as unknown as NodeJS.ProcessEnv;
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/** Starts the CLI and returns as soon as it runs, for a wait that must begin before its reload exists. */
export function startCli(
  args: string[],
  options: { env?: Record<string, string> } = {},
): { done: Promise<CliRun>; stdout: () => string } {
  let stdout = "";
  let stderr = "";
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (stdout += String(d)));
  child.stderr.on("data", (d) => (stderr += String(d)));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { done, stdout: () => stdout };
}
