// The pure part of the `reloadscope` CLI: arguments, durations, what a wait's progress says
// and how it ends, the events `send` builds, retry delays, the drift table. No I/O here, so
// tests/unit/cli-core.test.ts can pin every rule. Plain ESM for Node 20 without a build step:
// the CLI runs from the installed package (npx reloadscope), where there is no tsx.
import { parseArgs } from "node:util";

export const EXIT = Object.freeze({ OK: 0, FAILED: 1, TIMEOUT: 2, USAGE: 3 });

/** Ends a reload can reach (lib/domain/types.ts TERMINAL_STATUSES; a unit test keeps them equal). */
export const TERMINAL_STATUSES = Object.freeze([
  "succeeded",
  "partially_failed",
  "failed",
  "rolled_back",
  "rejected",
  "cancelled",
  "expired",
]);

export const DEFAULT_URL = "http://localhost:3000";

/** An error the CLI reports as one line on stderr and ends with `exitCode`. */
export class CliError extends Error {
  /** @param {string} message @param {number} exitCode */
  constructor(message, exitCode = EXIT.USAGE) {
    super(message);
    this.exitCode = exitCode;
  }
}

const COMMON = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};

const COMMANDS = {
  wait: {
    options: {
      ...COMMON,
      service: { type: "string" },
      environment: { type: "string" },
      namespace: { type: "string" },
      timeout: { type: "string", default: "10m" },
      interval: { type: "string", default: "2s" },
    },
    positionals: ["reloadId"],
  },
  send: {
    options: {
      ...COMMON,
      file: { type: "string" },
      environment: { type: "string" },
      namespace: { type: "string" },
      service: { type: "string" },
      instance: { type: "string" },
      kind: { type: "string" },
      resource: { type: "string" },
      phase: { type: "string" },
      "to-version": { type: "string" },
      "from-version": { type: "string" },
      "reload-id": { type: "string" },
      error: { type: "string" },
      initiator: { type: "string" },
      label: { type: "string", multiple: true },
      id: { type: "string" },
      "occurred-at": { type: "string" },
      attempts: { type: "string", default: "5" },
    },
    positionals: ["-"],
  },
  status: {
    options: {
      ...COMMON,
      drifting: { type: "boolean", default: false },
      environment: { type: "string" },
      namespace: { type: "string" },
      kind: { type: "string" },
    },
    positionals: [],
  },
};

export const HELP = {
  main: `Usage: reloadscope <command> [options]

Commands:
  wait <reloadId>   wait until a reload ends, printing "N of M" as it moves
  send              send reload events (from flags, a JSON file, or stdin)
  status            print the fleet's versions and drift as a table

Every command takes:
  --url <url>       the Reloadscope server (RELOADSCOPE_URL; default ${DEFAULT_URL})
  --token <token>   a token (RELOADSCOPE_TOKEN; prefer the variable: flags show in ps)
  --json            machine output on stdout
  -h, --help        help for the command

Exit codes: 0 succeeded, 1 the reload or some events failed, 2 timed out,
3 usage, authentication or connection error.`,
  wait: `Usage: reloadscope wait <reloadId> [--service s] [--environment e] [--namespace n]
                        [--timeout 10m] [--interval 2s] [--json]

Waits until every reload with this reloadId ends (one per service it touched; narrow
with --service, --environment, --namespace), printing a line each time one moves.
A reloadId not reported yet is waited for: events may still be on their way.
Needs a token with the read scope.

  --timeout <d>     give up after this long (default 10m; 90s, 1h30m, 500ms)
  --interval <d>    time between polls (default 2s)

Exit codes: 0 succeeded; 1 any other end (failed, partially_failed, rolled_back,
rejected, cancelled, expired), naming the failing instances and their errors;
2 timed out; 3 usage, authentication or connection error.`,
  send: `Usage: reloadscope send --environment e --service s --kind k --resource r --phase p
                        [--instance i] [--to-version v] [--from-version v] [--reload-id id]
                        [--error text] [--initiator who] [--label key=value]... [--json]
       reloadscope send --file events.json [--json]
       reloadscope send - < events.json

Sends reload events to POST /api/v1/events: one from the flags, or a JSON event or array
of events from a file or stdin. An event without "id" gets a new UUID, one without
"occurredAt" the current time. 429 and 503 answers are retried after Retry-After with
the same ids, so a retried event is stored once.

  --attempts <n>    tries per batch before giving up (default 5)

Exit codes: 0 every event accepted (duplicates included); 1 some rejected, each with its
reason; 3 usage, authentication or connection error (or the server kept refusing).
Needs a token with the ingest scope.`,
  status: `Usage: reloadscope status [--drifting] [--environment e] [--namespace n] [--kind k] [--json]

Prints the fleet's services × kind × resource: the versions the live instances run,
the desired version, and drift (the matrix's rule). --drifting shows only what drifts.
Needs a token with the read scope that is not restricted to part of the fleet.

Exit codes: 0 printed; 3 usage, authentication or connection error.`,
};

/**
 * Reads argv (without node and the script) into a command and its options, or throws a
 * CliError naming the problem. `env` supplies RELOADSCOPE_URL and RELOADSCOPE_TOKEN.
 * @param {string[]} argv @param {Record<string, string | undefined>} env
 */
export function parseCommandLine(argv, env = {}) {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help" || command === "help")
    return { command: "help", topic: rest[0] && COMMANDS[rest[0]] ? rest[0] : "main" };
  const spec = COMMANDS[command];
  if (!spec) throw new CliError(`unknown command "${command}"; use wait, send or status (reloadscope --help)`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(
      `${command}: ${String(error.message).replace(/\. To specify a positional.*$/s, "")} (reloadscope ${command} --help)`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help", topic: command };
  const url = normalizeUrl(values.url ?? env.RELOADSCOPE_URL ?? DEFAULT_URL);
  const token = values.token ?? env.RELOADSCOPE_TOKEN ?? "";
  const base = { url, token, json: values.json };
  if (command === "wait") {
    if (positionals.length !== 1) throw new CliError("wait: give exactly one reloadId (reloadscope wait <reloadId>)");
    const timeoutMs = parseDuration(values.timeout, "--timeout");
    const intervalMs = parseDuration(values.interval, "--interval");
    if (intervalMs < 100) throw new CliError("--interval: at least 100ms");
    return {
      command,
      ...base,
      reloadId: positionals[0],
      filters: compact({ service: values.service, environment: values.environment, namespace: values.namespace }),
      timeoutMs,
      intervalMs,
    };
  }
  if (command === "send") {
    if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== "-")) {
      throw new CliError(`send: unexpected argument "${positionals.at(-1)}"; use - for stdin or --file <path>`);
    }
    const attempts = Number(values.attempts);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20)
      throw new CliError("--attempts: a whole number from 1 to 20");
    const fromStdin = positionals[0] === "-" || values.file === "-";
    const source = fromStdin
      ? { from: "stdin" }
      : values.file !== undefined
        ? { from: "file", path: values.file }
        : { from: "flags", event: eventFromFlags(values) };
    if (source.from !== "flags") {
      const given = EVENT_FLAGS.filter(([flag]) => values[flag] !== undefined).map(([flag]) => `--${flag}`);
      if (given.length)
        throw new CliError(
          `send: ${given.join(", ")} cannot be combined with a file or stdin; put the fields in the JSON`,
        );
    }
    return { command, ...base, source, attempts };
  }
  if (positionals.length) throw new CliError(`status: unexpected argument "${positionals[0]}"`);
  return {
    command,
    ...base,
    drifting: values.drifting,
    filters: compact({ environment: values.environment, namespace: values.namespace, kind: values.kind }),
  };
}

/** @param {string} text */
function normalizeUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(
      `the server URL "${text}" is not a URL; set RELOADSCOPE_URL or --url to e.g. http://reloadscope:3000`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new CliError(`the server URL must start with http:// or https://, not ${url.protocol}`);
  return url.toString().replace(/\/+$/, "");
}

function compact(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== ""));
}

// flag → the event's field
const EVENT_FLAGS = [
  ["environment", "environment"],
  ["namespace", "namespace"],
  ["service", "service"],
  ["instance", "instance"],
  ["kind", "kind"],
  ["resource", "resource"],
  ["phase", "phase"],
  ["to-version", "toVersion"],
  ["from-version", "fromVersion"],
  ["reload-id", "reloadId"],
  ["error", "error"],
  ["initiator", "initiator"],
  ["id", "id"],
  ["occurred-at", "occurredAt"],
  ["label", "labels"],
];

/** One event from send's flags; the server checks each phase's own needs and names what is missing. */
export function eventFromFlags(values) {
  const missing = ["environment", "service", "kind", "resource", "phase"].filter((flag) => !values[flag]);
  if (missing.length)
    throw new CliError(`send: missing ${missing.map((f) => `--${f}`).join(", ")} (or send a JSON file with --file)`);
  const event = {};
  for (const [flag, field] of EVENT_FLAGS) {
    if (values[flag] === undefined || flag === "label") continue;
    event[field] = values[flag];
  }
  if (values.label?.length) {
    event.labels = {};
    for (const pair of values.label) {
      const at = pair.indexOf("=");
      if (at <= 0) throw new CliError(`--label: "${pair}" is not key=value`);
      event.labels[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return event;
}

/**
 * "90s", "10m", "1h30m", "500ms", or a number of seconds, as milliseconds.
 * @param {string} text @param {string} name the option, for the message
 */
export function parseDuration(text, name = "duration") {
  const trimmed = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return checkPositive(Math.round(Number(trimmed) * 1000), name, text);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed))
    throw new CliError(`${name}: "${text}" is not a duration; use e.g. 90s, 10m, 1h30m or 500ms`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const [, amount, , u] of trimmed.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) ms += Number(amount) * unit[u];
  return checkPositive(Math.round(ms), name, text);
}

function checkPositive(ms, name, text) {
  if (!(ms > 0)) throw new CliError(`${name}: "${text}" must be longer than zero`);
  return ms;
}

/** 41s, 3m05s, 1h02m: how long something took, for people. */
export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** environment/namespace/service, or environment/service without a namespace. */
export function serviceLabel(item) {
  return [item.environment, item.namespace, item.service].filter(Boolean).join("/");
}

/**
 * One reload's progress in a line: "prod/payments/checkout-api config routes.yaml → b7d2f11:
 * 12 of 20 acked, 1 nacked, 7 pending (in_progress)". The wait prints it when it changes.
 */
export function progressLine(reload) {
  const counts = [`${reload.acked} of ${reload.targets} acked`];
  if (reload.nacked) counts.push(`${reload.nacked} nacked`);
  if (reload.failed) counts.push(`${reload.failed} failed`);
  if (reload.pending && !TERMINAL_STATUSES.includes(reload.status)) counts.push(`${reload.pending} pending`);
  const what = `${reload.kind} ${reload.resource}${reload.toVersion ? ` → ${reload.toVersion}` : ""}`;
  return `${serviceLabel(reload)} ${what}: ${counts.join(", ")} (${reload.status})`;
}

/**
 * Where a wait stands, from the reloads the list answers for the reloadId: not done while
 * none is known yet (its events may still be on their way) or any has not ended; then 0
 * when every one succeeded, else 1.
 * @returns {{ done: false } | { done: true, exitCode: 0 | 1, failed: object[] }}
 */
export function assessWait(reloads) {
  if (reloads.length === 0 || reloads.some((r) => !TERMINAL_STATUSES.includes(r.status))) return { done: false };
  const failed = reloads.filter((r) => r.status !== "succeeded");
  return { done: true, exitCode: failed.length ? EXIT.FAILED : EXIT.OK, failed };
}

/** The instances to name when a reload did not succeed: those that did not ack or apply, with their errors. */
export function failingInstances(detail) {
  return (detail.instances ?? []).filter((i) => i.phase !== "acked" && i.phase !== "applied");
}

/** Lines that explain a reload that did not succeed. */
export function failureLines(detail) {
  const lines = [`${progressLine(detail)}`];
  const failing = failingInstances(detail);
  if (failing.length === 0 && detail.status !== "succeeded") {
    lines.push(`  no instance reported a failure; the reload ended as ${detail.status}`);
  }
  const width = Math.max(0, ...failing.map((i) => i.instance.length));
  for (const i of failing) {
    const why = i.error ?? (i.phase === "pending" ? "never reported" : `last phase ${i.phase}`);
    lines.push(`  ${i.instance.padEnd(width)}  ${i.phase.padEnd(11)}  ${oneLine(why)}`);
  }
  if (detail.instancesTruncated) lines.push("  (more instances than listed; see the reload's page)");
  return lines;
}

function oneLine(text) {
  const flat = String(text).replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}

/**
 * Fills in what send may leave out: an id (a new UUID) and occurredAt (now). The same
 * objects are sent on every retry, so a retried event keeps its id and is stored once.
 * @param {unknown} payload one event or an array @param {{ newId: () => string, now: () => Date }} fill
 */
export function completeEvents(payload, { newId, now }) {
  const list = Array.isArray(payload) ? payload : [payload];
  if (list.length === 0) throw new CliError("send: the JSON holds no events");
  return list.map((event, index) => {
    if (event === null || typeof event !== "object" || Array.isArray(event))
      throw new CliError(`send: event ${index + 1} is not a JSON object`);
    return { ...event, id: event.id ?? newId(), occurredAt: event.occurredAt ?? now().toISOString() };
  });
}

/**
 * How long to wait before retrying a 429/503: the server's Retry-After (seconds or an HTTP
 * date), else 1 s doubling per attempt; never more than `capMs`.
 * @param {string | null} retryAfter @param {number} attempt 1 for the first retry @param {Date} now
 */
export function retryDelayMs(retryAfter, attempt, now, capMs = 60_000) {
  if (retryAfter !== null && retryAfter !== undefined && retryAfter.trim() !== "") {
    const text = retryAfter.trim();
    if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, capMs);
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return Math.min(Math.max(0, at - now.getTime()), capMs);
  }
  return Math.min(1000 * 2 ** (attempt - 1), capMs);
}

/** Adds up the answers of send's batches; `offset` turns a batch's indexes into the whole list's. */
export function mergeSendAnswers(answers) {
  const merged = { accepted: 0, duplicates: 0, rejected: [] };
  for (const { answer, offset, events } of answers) {
    merged.accepted += answer.accepted ?? 0;
    merged.duplicates += answer.duplicates ?? 0;
    for (const r of answer.rejected ?? [])
      merged.rejected.push({ index: r.index + offset, id: events[r.index]?.id ?? null, reason: r.reason });
  }
  return merged;
}

export function sendLines(result) {
  const lines = [`accepted ${result.accepted}, duplicates ${result.duplicates}, rejected ${result.rejected.length}`];
  for (const r of result.rejected)
    lines.push(`  event ${r.index + 1}${r.id ? ` (id ${r.id})` : ""}: ${oneLine(r.reason)}`);
  return lines;
}

/** What an HTTP answer that is not the one asked for means to the person running the CLI. */
export function describeHttpError(status, body, what) {
  const said = body && typeof body.message === "string" ? `: ${oneLine(body.message)}` : "";
  if (status === 401) return `the token was refused (401): check RELOADSCOPE_TOKEN (or --token)`;
  if (status === 403) return `the token may not ${what} (403)${said}`;
  if (status === 404) return `${what}: not found (404); is RELOADSCOPE_URL a Reloadscope server?`;
  if (status === 400) return `the server refused the request (400)${said}`;
  if (status === 413) return `the request is too large (413)${said}; send fewer events at once`;
  return `${what}: the server answered ${status}${said}`;
}

/** "the fleet's drift" as rows of text: one per service × kind × resource. */
export function driftTable(services, { driftingOnly = false } = {}) {
  const rows = [];
  for (const s of services) {
    for (const r of s.resources) {
      if (driftingOnly && !r.drifting) continue;
      rows.push([
        serviceLabel(s),
        r.kind,
        r.resource,
        r.desiredVersion ?? "-",
        r.versions.map((v) => `${v.version ?? "(none)"}×${v.instances}`).join(" "),
        resourceState(r),
      ]);
    }
  }
  if (rows.length === 0) return [driftingOnly ? "nothing drifts" : "no services have reported"];
  const header = ["SERVICE", "KIND", "RESOURCE", "DESIRED", "VERSIONS", "STATE"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const format = (row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
  return [format(header), ...rows.map(format)];
}

function resourceState(r) {
  const parts = [];
  if (r.drifting) {
    const why = r.driftReasons
      .map((reason) => (reason === "off_desired" ? `${r.offDesired} off desired` : "mixed versions"))
      .join(", ");
    parts.push(
      `drifting${r.driftingForMs !== null ? ` ${formatDuration(r.driftingForMs)}` : ""}${why ? ` (${why})` : ""}`,
    );
  }
  if (r.nacked) parts.push(`${r.nacked} nacked`);
  if (r.failed) parts.push(`${r.failed} failed`);
  if (r.inProgress) parts.push(`${r.inProgress} in progress`);
  return parts.length ? parts.join(", ") : "ok";
}
