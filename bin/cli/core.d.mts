// Types of core.mjs for the TypeScript tests that import it (the CLI itself is plain JavaScript).
export declare const EXIT: Readonly<{ OK: 0; FAILED: 1; TIMEOUT: 2; USAGE: 3 }>;
export declare const TERMINAL_STATUSES: readonly string[];
export declare const DEFAULT_URL: string;
export declare const HELP: Record<"main" | "wait" | "send" | "status", string>;
export declare class CliError extends Error {
  constructor(message: string, exitCode?: number);
  exitCode: number;
}

export interface ReloadSummaryLike {
  key: string;
  reloadId?: string;
  environment: string;
  namespace: string | null;
  service: string;
  kind: string;
  resource: string;
  toVersion: string | null;
  status: string;
  targets: number;
  acked: number;
  nacked: number;
  failed: number;
  pending: number;
  convergenceMs?: number | null;
}
export interface ReloadInstanceLike {
  instance: string;
  phase: string;
  version?: string | null;
  error: string | null;
  at?: string | null;
}
export interface ReloadDetailLike extends ReloadSummaryLike {
  instances: ReloadInstanceLike[];
  instancesTruncated?: boolean;
}

export type ParsedCommand =
  | { command: "help"; topic: "main" | "wait" | "send" | "status" }
  | {
      command: "wait";
      url: string;
      token: string;
      json: boolean;
      reloadId: string;
      filters: Record<string, string>;
      timeoutMs: number;
      intervalMs: number;
    }
  | {
      command: "send";
      url: string;
      token: string;
      json: boolean;
      attempts: number;
      source: { from: "stdin" } | { from: "file"; path: string } | { from: "flags"; event: Record<string, unknown> };
    }
  | {
      command: "status";
      url: string;
      token: string;
      json: boolean;
      drifting: boolean;
      filters: Record<string, string>;
    };

export declare function parseCommandLine(argv: string[], env?: Record<string, string | undefined>): ParsedCommand;
export declare function eventFromFlags(values: Record<string, unknown>): Record<string, unknown>;
export declare function parseDuration(text: string, name?: string): number;
export declare function formatDuration(ms: number): string;
export declare function serviceLabel(item: { environment: string; namespace: string | null; service: string }): string;
export declare function progressLine(reload: ReloadSummaryLike): string;
export declare function assessWait(
  reloads: ReloadSummaryLike[],
): { done: false } | { done: true; exitCode: 0 | 1; failed: ReloadSummaryLike[] };
export declare function failingInstances(detail: ReloadDetailLike): ReloadInstanceLike[];
export declare function failureLines(detail: ReloadDetailLike): string[];
export declare function completeEvents(
  payload: unknown,
  fill: { newId: () => string; now: () => Date },
): Record<string, unknown>[];
export declare function retryDelayMs(retryAfter: string | null, attempt: number, now: Date, capMs?: number): number;
export interface SendResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; id: string | null; reason: string }[];
}
export declare function mergeSendAnswers(
  answers: {
    answer: { accepted?: number; duplicates?: number; rejected?: { index: number; reason: string }[] };
    offset: number;
    events: { id?: unknown }[];
  }[],
): SendResult;
export declare function sendLines(result: SendResult): string[];
export declare function describeHttpError(status: number, body: unknown, what: string): string;
export interface FleetResourceLike {
  kind: string;
  resource: string;
  desiredVersion: string | null;
  versions: { version: string | null; instances: number; desired?: boolean }[];
  drifting: boolean;
  driftReasons: string[];
  driftingForMs: number | null;
  offDesired: number;
  failed: number;
  nacked: number;
  inProgress: number;
}
export declare function driftTable(
  services: { environment: string; namespace: string | null; service: string; resources: FleetResourceLike[] }[],
  options?: { driftingOnly?: boolean },
): string[];
