import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, inject, test } from "vitest";
import { databaseRetryDelaySeconds, waitForDatabase } from "@/lib/db/wait";
import { startRefusingPostgres, type RefusingPostgres } from "../support/refusing-postgres";

// `npm start` with the database down exited after a second and stayed
// down. It now waits with backoff, one line per attempt naming why, and goes on once the
// database answers. The database "comes back" inside the wait's own sleep (injected), so the
// test orders everything without a timer.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A loopback port where nothing listens (yet). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts forwarding `port` to the test database's server: the database "comes back" there. */
async function forward(port: number, to: URL): Promise<void> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(to.port || 5432), to.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

function urlOnPort(port: number): string {
  const url = new URL(inject("databaseUrl"));
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
}

describe("databaseRetryDelaySeconds", () => {
  test.each([
    [1, 1],
    [2, 2],
    [3, 4],
    [4, 8],
    [5, 16],
    [6, 30],
    [7, 30],
    [50, 30],
  ])("attempt %i → %i s", (attempt, seconds) => {
    expect(databaseRetryDelaySeconds(attempt)).toBe(seconds);
  });
});

describe("waitForDatabase", () => {
  test("nothing listening: retries 1 s, 2 s, … naming ECONNREFUSED, and goes on once the database listens", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const slept: number[] = [];
    const attempts = await waitForDatabase(urlOnPort(port), {
      log: (line) => lines.push(line),
      sleep: async (ms) => {
        slept.push(ms);
        // The database comes back during the third pause.
        if (slept.length === 3) await forward(port, new URL(inject("databaseUrl")));
      },
    });
    expect(attempts).toBe(4);
    expect(slept).toEqual([1_000, 2_000, 4_000]);
    expect(lines).toEqual([
      `[reloadscope] database at 127.0.0.1:${port} not reachable (ECONNREFUSED); retrying in 1 s`,
      `[reloadscope] database at 127.0.0.1:${port} not reachable (ECONNREFUSED); retrying in 2 s`,
      `[reloadscope] database at 127.0.0.1:${port} not reachable (ECONNREFUSED); retrying in 4 s`,
      `[reloadscope] database at 127.0.0.1:${port} answers; going on`,
    ]);
  });

  test("a server that is starting or shutting down (57P03) is waited for too, and the line says so", async () => {
    let refusing: RefusingPostgres | null = await startRefusingPostgres("57P03", "the database system is starting up");
    const port = Number(new URL(refusing.url).port);
    const lines: string[] = [];
    await waitForDatabase(urlOnPort(port), {
      log: (line) => lines.push(line),
      sleep: async () => {
        await refusing?.close();
        refusing = null;
        await forward(port, new URL(inject("databaseUrl")));
      },
    });
    expect(lines[0]).toBe(
      `[reloadscope] database at 127.0.0.1:${port} not ready (57P03: the database system is starting up); retrying in 1 s`,
    );
    expect(lines.at(-1)).toBe(`[reloadscope] database at 127.0.0.1:${port} answers; going on`);
  });

  test("an answer that waiting cannot change (a wrong database name) is thrown at once, not retried", async () => {
    const url = new URL(inject("databaseUrl"));
    url.pathname = "/reloadscope_no_such_database";
    const slept: number[] = [];
    const waiting = waitForDatabase(url.toString(), { log: () => {}, sleep: async (ms) => void slept.push(ms) });
    // PGlite's socket server serves one database whatever the name; a real server refuses it.
    if (inject("embedded")) {
      await expect(waiting).resolves.toBe(1);
    } else {
      await expect(waiting).rejects.toThrow(/does not exist/);
    }
    expect(slept).toEqual([]);
  });
});

describe("npm start's wait, as a process", () => {
  test("prints why it waits, and Ctrl-C (SIGINT) stops it", async () => {
    const port = await freePort();
    const script = `import { waitForDatabase } from "@/lib/db/wait"; void waitForDatabase("postgresql://postgres@127.0.0.1:${port}/postgres");`;
    const child = spawn(path.join(process.cwd(), "node_modules", ".bin", "tsx"), ["--eval", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    closers.push(async () => void child.kill("SIGKILL"));
    let output = "";
    const firstLine = new Promise<void>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("\n")) resolve();
      });
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    await Promise.race([firstLine, exited.then(() => Promise.reject(new Error(`exited before waiting: ${output}`)))]);
    expect(output).toBe(`[reloadscope] database at 127.0.0.1:${port} not reachable (ECONNREFUSED); retrying in 1 s\n`);
    child.kill("SIGINT");
    const { code, signal } = await exited;
    expect(signal === "SIGINT" || code === 130).toBe(true);
  });
});
