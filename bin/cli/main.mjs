// The `reloadscope` CLI's commands: HTTP against the read API and POST /api/v1/events, with
// the decisions left to core.mjs. `io` carries the process's streams and clock, so the
// commands run the same in bin/reloadscope.mjs and under a test.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  assessWait,
  CliError,
  completeEvents,
  describeHttpError,
  driftTable,
  EXIT,
  failureLines,
  formatDuration,
  HELP,
  mergeSendAnswers,
  parseCommandLine,
  progressLine,
  retryDelayMs,
  sendLines,
} from "./core.mjs";

/** Events per POST, well under what the server takes in one (INGEST_MAX_EVENTS, 5,000 by default). */
const BATCH_SIZE = 1000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * @param {string[]} argv
 * @param {{ env: Record<string, string | undefined>, stdout: (text: string) => void, stderr: (text: string) => void,
 *           readStdin: () => Promise<string>, sleep?: (ms: number) => Promise<void> }} io
 * @returns {Promise<number>} the exit code
 */
export async function main(argv, io) {
  const sleep = io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  let options;
  try {
    options = parseCommandLine(argv, io.env);
  } catch (error) {
    return report(error, { json: argv.includes("--json") }, io);
  }
  if (options.command === "help") {
    io.stdout(`${HELP[options.topic]}\n`);
    return EXIT.OK;
  }
  try {
    if (!options.token) throw new CliError("no token: set RELOADSCOPE_TOKEN (or pass --token) to a Reloadscope token");
    const client = apiClient(options);
    if (options.command === "wait") return await waitCommand(options, client, io, sleep);
    if (options.command === "send") return await sendCommand(options, client, io, sleep);
    return await statusCommand(options, client, io);
  } catch (error) {
    return report(error, options, io);
  }
}

function report(failure, options, io) {
  // Still busy or unreachable where no retry was left (a failed reload's details, the fleet).
  const error = failure instanceof TransientError ? new CliError(failure.message) : failure;
  if (!(error instanceof CliError)) throw error;
  io.stderr(`reloadscope: ${error.message}\n`);
  if (options.json) io.stdout(`${JSON.stringify({ error: error.message, exitCode: error.exitCode })}\n`);
  return error.exitCode;
}

/** A failure that may pass (the server busy or briefly unreachable), as opposed to a CliError. */
class TransientError extends Error {
  constructor(message, { retryAfter = null, unreachable = false } = {}) {
    super(message);
    this.retryAfter = retryAfter;
    this.unreachable = unreachable;
  }
}

function apiClient({ url, token }) {
  /**
   * @param {string} path @param {string} what what the request does, for messages
   * @param {{ method?: string, body?: string, timeoutMs?: number }} init
   */
  async function request(path, what, init = {}) {
    let response;
    try {
      response = await fetch(`${url}${path}`, {
        method: init.method ?? "GET",
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(init.body ? { "content-type": "application/json" } : {}),
        },
        body: init.body,
        signal: AbortSignal.timeout(init.timeoutMs ?? REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = error?.cause?.code ?? error?.cause?.message ?? error?.name ?? "error";
      throw new TransientError(`could not reach ${url} (${cause}); check RELOADSCOPE_URL`, { unreachable: true });
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (response.status === 429 || response.status === 502 || response.status === 503 || response.status === 504) {
      throw new TransientError(describeHttpError(response.status, body, what), {
        retryAfter: response.headers.get("retry-after"),
      });
    }
    return { status: response.status, body };
  }
  return { request };
}

async function readJson(client, path, what, timeoutMs) {
  const { status, body } = await client.request(path, what, { timeoutMs });
  if (status !== 200 || body === null) throw new CliError(describeHttpError(status, body, what));
  return body;
}

// ---- wait ----------------------------------------------------------------------------

async function waitCommand(options, client, io, sleep) {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const query = new URLSearchParams({ reloadId: options.reloadId, ...options.filters, limit: "500" });
  const lastLines = new Map();
  let reachedServer = false;
  let reportedTrouble = false;
  let saidUnknown = false;
  let reloads = [];
  for (;;) {
    // The poll at the deadline still gets a second to answer: a last look, not an abort.
    const remaining = Math.max(1000, deadline - Date.now());
    let pauseMs = options.intervalMs;
    try {
      reloads = await listAll(client, query, Math.min(REQUEST_TIMEOUT_MS, remaining));
      reachedServer = true;
      reportedTrouble = false;
      if (reloads.length === 0 && !saidUnknown && !options.json) {
        io.stdout(`waiting for reload ${options.reloadId} to be reported…\n`);
        saidUnknown = true;
      }
      for (const reload of reloads) {
        const line = progressLine(reload);
        if (lastLines.get(reload.key) !== line) {
          lastLines.set(reload.key, line);
          if (!options.json) io.stdout(`${line}\n`);
        }
      }
      const outcome = assessWait(reloads);
      if (outcome.done) return await finishWait(options, client, io, reloads, outcome, Date.now() - started);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if (Date.now() >= deadline) return timedOut(options, io, reloads);
      // A server never reached is a wrong URL or a server down: say so now. Once it answered,
      // a busy or briefly unreachable server is waited out until the timeout.
      if (!reachedServer && error.unreachable) throw new CliError(error.message, EXIT.USAGE);
      if (!reportedTrouble) io.stderr(`reloadscope: ${error.message}; still waiting\n`);
      reportedTrouble = true;
      pauseMs = Math.max(pauseMs, retryDelayMs(error.retryAfter, 1, new Date()));
    }
    const left = deadline - Date.now();
    if (left <= 0) return timedOut(options, io, reloads);
    await sleep(Math.min(pauseMs, left));
  }
}

async function listAll(client, query, timeoutMs) {
  const items = [];
  let cursor = null;
  do {
    const page = new URLSearchParams(query);
    if (cursor) page.set("cursor", cursor);
    const body = await readJson(client, `/api/v1/reloads?${page}`, "read reloads", timeoutMs);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

async function finishWait(options, client, io, reloads, outcome, elapsedMs) {
  const details = [];
  for (const reload of outcome.failed) {
    details.push(
      await readJson(
        client,
        `/api/v1/reloads/${encodeURIComponent(reload.key)}`,
        "read the reload",
        REQUEST_TIMEOUT_MS,
      ),
    );
  }
  if (options.json) {
    const byKey = new Map(details.map((d) => [d.key, d]));
    const result = outcome.exitCode === EXIT.OK ? "succeeded" : "failed";
    io.stdout(
      `${JSON.stringify({ reloadId: options.reloadId, outcome: result, exitCode: outcome.exitCode, reloads: reloads.map((r) => byKey.get(r.key) ?? r) })}\n`,
    );
    return outcome.exitCode;
  }
  if (outcome.exitCode === EXIT.OK) {
    const took = reloads.map((r) => r.convergenceMs).filter((ms) => ms !== null);
    io.stdout(
      `reload ${options.reloadId} succeeded${took.length ? ` (converged in ${formatDuration(Math.max(...took))})` : ""}\n`,
    );
    return EXIT.OK;
  }
  const ends = [...new Set(outcome.failed.map((r) => r.status))].join(", ");
  io.stdout(`reload ${options.reloadId} did not succeed (${ends}) after ${formatDuration(elapsedMs)}:\n`);
  for (const detail of details) io.stdout(`${failureLines(detail).join("\n")}\n`);
  return outcome.exitCode;
}

function timedOut(options, io, reloads) {
  const waited = formatDuration(options.timeoutMs);
  const where = reloads.length ? reloads.map(progressLine).join("; ") : `reload ${options.reloadId} was never reported`;
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ reloadId: options.reloadId, outcome: "timeout", exitCode: EXIT.TIMEOUT, reloads })}\n`,
    );
  }
  io.stderr(`reloadscope: timed out after ${waited}: ${where}\n`);
  return EXIT.TIMEOUT;
}

// ---- send ----------------------------------------------------------------------------

async function sendCommand(options, client, io, sleep) {
  const payload = await loadPayload(options.source, io);
  // Ids and times are filled once, before the first attempt: a retry sends the same events.
  const events = completeEvents(payload, { newId: randomUUID, now: () => new Date() });
  const answers = [];
  for (let offset = 0; offset < events.length; offset += BATCH_SIZE) {
    const batch = events.slice(offset, offset + BATCH_SIZE);
    answers.push({ answer: await postBatch(client, batch, options.attempts, io, sleep), offset, events: batch });
  }
  const result = mergeSendAnswers(answers);
  if (options.json) io.stdout(`${JSON.stringify({ ...result, ids: events.map((e) => e.id) })}\n`);
  else io.stdout(`${sendLines(result).join("\n")}\n`);
  return result.rejected.length ? EXIT.FAILED : EXIT.OK;
}

async function loadPayload(source, io) {
  if (source.from === "flags") return source.event;
  let text;
  if (source.from === "stdin") text = await io.readStdin();
  else {
    try {
      text = await readFile(source.path, "utf8");
    } catch (error) {
      throw new CliError(`send: cannot read ${source.path} (${error.code ?? error.message})`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`send: ${source.from === "stdin" ? "stdin" : source.path} is not JSON (${error.message})`);
  }
}

async function postBatch(client, batch, attempts, io, sleep) {
  const body = JSON.stringify(batch);
  for (let attempt = 1; ; attempt++) {
    try {
      const { status, body: answer } = await client.request("/api/v1/events", "send events", { method: "POST", body });
      // 400 answers with the same body as 200 when no event of the batch is valid.
      if ((status === 200 || status === 400) && answer && Array.isArray(answer.rejected)) return answer;
      throw new CliError(describeHttpError(status, answer, "send events"));
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if (attempt >= attempts) throw new CliError(`${error.message}; gave up after ${attempts} attempts`);
      const delay = retryDelayMs(error.retryAfter, attempt, new Date());
      io.stderr(`reloadscope: ${error.message}; retrying in ${formatDuration(delay)} with the same event ids\n`);
      await sleep(delay);
    }
  }
}

// ---- status --------------------------------------------------------------------------

/** Pages read at most: 100 services each. */
const MAX_PAGES = 200;

async function statusCommand(options, client, io) {
  const query = new URLSearchParams(options.filters);
  if (options.drifting) query.set("drifting", "1");
  const services = [];
  let first = null;
  for (let page = 1; page <= MAX_PAGES; page++) {
    query.set("page", String(page));
    const body = await readJson(client, `/api/v1/fleet?${query}`, "read the fleet", REQUEST_TIMEOUT_MS);
    first ??= body;
    // Past the last page the API answers the last page again; stop at pageCount.
    services.push(...body.services);
    if (page >= body.pageCount) break;
  }
  if (options.json) {
    io.stdout(`${JSON.stringify({ generatedAt: first.generatedAt, totals: first.totals, services })}\n`);
    return EXIT.OK;
  }
  const lines = driftTable(services, { driftingOnly: options.drifting });
  const { matching, drifting, problems } = first.totals;
  lines.push(
    "",
    `${matching} service${matching === 1 ? "" : "s"}, ${drifting} drifting, ${problems} problem${problems === 1 ? "" : "s"}`,
  );
  io.stdout(`${lines.join("\n")}\n`);
  return EXIT.OK;
}
