import { randomUUID } from "node:crypto";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { IngestError, type IngestErrorCode } from "@/lib/ingest/errors";
import { json } from "./json";

// One mapping from typed errors to HTTP answers for every route handler (CONVENTIONS.md
// "Route handlers", after dub's handle-api-error). An expected error (ApiError here, ingest's
// IngestError for a body it refuses) answers {error: <code>, message} with its own message,
// meant for the caller, and its code's status from the table below. Anything else answers a
// generic message with an error id, and only the log holds its details: 503 with Retry-After
// when the database cannot be reached (lib/db/unavailable.ts), 500 otherwise.

export type ApiErrorCode =
  | "invalid_parameter"
  | "invalid_parameters"
  | "invalid_json"
  | "invalid_gzip"
  | "unauthorized"
  | "forbidden"
  | "insufficient_scope"
  | "not_found"
  | "body_timeout"
  | "body_too_large"
  | "unsupported_media_type"
  | "unsupported_encoding"
  | "overloaded"
  | "too_many_failed_authentications";

/** The answers to errors nobody expected: a fixed message, never the error's own. */
type UnexpectedCode = "internal" | "unavailable";

interface Answer {
  status: number;
  /** the caller's message where the error carries none (the unexpected ones) */
  message?: string;
  headers?: Record<string, string>;
}

const ANSWERS: Record<ApiErrorCode | IngestErrorCode | UnexpectedCode, Answer> = {
  invalid_parameter: { status: 400 },
  invalid_parameters: { status: 400 },
  invalid_json: { status: 400 },
  invalid_gzip: { status: 400 },
  invalid_body: { status: 400 },
  invalid_cloudevent: { status: 400 },
  empty_batch: { status: 400 },
  unauthorized: { status: 401 },
  forbidden: { status: 403 },
  insufficient_scope: { status: 403 },
  not_found: { status: 404 },
  body_timeout: { status: 408, headers: { Connection: "close" } },
  body_too_large: { status: 413 },
  too_many_events: { status: 413 },
  unsupported_media_type: { status: 415 },
  unsupported_encoding: { status: 415 },
  overloaded: { status: 429, headers: { "Retry-After": "1" } },
  too_many_failed_authentications: { status: 429 },
  internal: { status: 500, message: "internal error; quote the error id when reporting it" },
  unavailable: { status: 503, message: "the database is unavailable; retry later", headers: { "Retry-After": "5" } },
};

export interface ApiErrorOptions {
  /** headers of this answer besides the code's own (WWW-Authenticate, Retry-After) */
  headers?: Record<string, string>;
  /** more members of the answer's body (the parameter a 400 names) */
  fields?: Record<string, unknown>;
}

/** An expected refusal: its code picks the status, its message goes to the caller as written. */
export class ApiError extends Error {
  readonly headers: Record<string, string>;
  readonly fields: Record<string, unknown>;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.headers = options.headers ?? {};
    this.fields = options.fields ?? {};
  }
}

/** The HTTP status a code answers with. */
export function errorStatus(code: ApiErrorCode | IngestErrorCode): number {
  return ANSWERS[code].status;
}

/** The answer to any error a route handler throws. */
export function problem(error: unknown): Response {
  if (error instanceof ApiError || error instanceof IngestError) {
    const answer = ANSWERS[error.code];
    const fields = error instanceof ApiError ? error.fields : {};
    const headers = error instanceof ApiError ? error.headers : {};
    const body = { error: error.code, ...fields, message: error.message };
    return json(body, answer.status, { ...answer.headers, ...headers });
  }
  const errorId = randomUUID();
  const code: UnexpectedCode = isDatabaseUnavailable(error) ? "unavailable" : "internal";
  const what = code === "unavailable" ? "database unavailable" : "unexpected error";
  console.error(`[api] ${what} (error id ${errorId}):`, error);
  const answer = ANSWERS[code];
  return json({ error: code, message: answer.message, errorId }, answer.status, answer.headers);
}
