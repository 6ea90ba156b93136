// The reload-event wire format of POST /api/v1/events (DESIGN.md), as zod schemas.
import { z } from "zod";
import { INSTANCE_ONLY_PHASES, NEEDS_TO_VERSION, FAILURE_PHASES } from "@/lib/domain/phases";
import { PHASES } from "@/lib/domain/types";

// Time bounds (future skew, retention) depend on the server's clock and settings: they are
// checked in parse-events.ts with lib/domain/time-bounds.ts, not here.

/** Instances one dispatched event may name as its targets. */
export const MAX_TARGETS = 10_000;

/** "is required" for a field left out (or null), rather than zod's "expected string, received undefined". */
const required = (otherwise: string) => (issue: { input?: unknown }) =>
  issue.input == null ? "is required" : otherwise;

const name = (max: number) =>
  z
    .string({ error: required("must be a string") })
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`);
const optionalText = (max: number) => z.string().max(max, `must be at most ${max} characters`).nullish();
const version = z.string().trim().min(1, "must not be empty").max(256, "must be at most 256 characters").nullish();

export const reloadEventSchema = z
  .object({
    id: name(200),
    reloadId: name(200).nullish(),
    environment: name(100),
    namespace: z.string().trim().max(200, "must be at most 200 characters").nullish(),
    service: name(200),
    instance: name(300).nullish(),
    labels: z
      .record(z.string().max(100), z.string().max(500, "label values must be at most 500 characters"))
      .refine((l) => Object.keys(l).length <= 50, "at most 50 labels")
      .nullish(),
    kind: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_.-]{0,63}$/, "must be a lowercase word such as config, routes or model"),
    resource: name(512),
    phase: z.enum(PHASES, { error: () => `must be one of ${PHASES.join(", ")}` }),
    fromVersion: version,
    toVersion: version,
    initiator: optionalText(256),
    occurredAt: z.iso.datetime({ offset: true, error: required("must be an ISO 8601 timestamp with a time zone") }),
    durationMs: z
      .number()
      .int("must be a whole number")
      .min(0, "must not be negative")
      .max(Number.MAX_SAFE_INTEGER, `must be at most ${Number.MAX_SAFE_INTEGER}`)
      .nullish(),
    error: optionalText(10_000),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/i, "must be 32 hex digits")
      .nullish(),
    spanId: z
      .string()
      .regex(/^[0-9a-f]{16}$/i, "must be 16 hex digits")
      .nullish(),
    attributes: z.record(z.string(), z.unknown()).nullish(),
    /** A dispatched event's scope: the instances it was sent to, or how many. */
    targets: z.array(name(300)).max(MAX_TARGETS, `must name at most ${MAX_TARGETS} instances`).nullish(),
    targetCount: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(1_000_000, "must be at most 1000000")
      .nullish(),
  })
  .superRefine((e, ctx) => {
    if (e.phase !== "heartbeat" && !e.reloadId) {
      ctx.addIssue({ code: "custom", path: ["reloadId"], message: `is required for phase ${e.phase}` });
    }
    if (e.phase === "heartbeat" && e.reloadId) {
      ctx.addIssue({
        code: "custom",
        path: ["reloadId"],
        message: "must be absent for phase heartbeat (a heartbeat is not part of a reload)",
      });
    }
    if (INSTANCE_ONLY_PHASES.has(e.phase) && !e.instance) {
      ctx.addIssue({ code: "custom", path: ["instance"], message: `is required for phase ${e.phase}` });
    }
    if (NEEDS_TO_VERSION.has(e.phase) && !e.toVersion) {
      ctx.addIssue({ code: "custom", path: ["toVersion"], message: `is required for phase ${e.phase}` });
    }
    if (FAILURE_PHASES.has(e.phase) && !e.error?.trim()) {
      ctx.addIssue({ code: "custom", path: ["error"], message: `is required for phase ${e.phase}` });
    }
    for (const field of ["targets", "targetCount"] as const) {
      if (e[field] != null && e.phase !== "dispatched") {
        ctx.addIssue({ code: "custom", path: [field], message: "is only allowed on a dispatched event" });
      }
    }
    if (e.targets && e.targetCount != null && e.targets.length !== e.targetCount) {
      ctx.addIssue({
        code: "custom",
        path: ["targetCount"],
        message: `must equal the number of targets (${e.targets.length}) when both are given`,
      });
    }
  });

export type ReloadEventWire = z.infer<typeof reloadEventSchema>;

/** A CloudEvents 1.0 envelope whose data is a reload event (structured mode). */
export const CLOUDEVENT_TYPE = "dev.reloadscope.reload";
export const cloudEventSchema = z.object({
  specversion: z.literal("1.0", { error: 'must be "1.0"' }),
  type: z.literal(CLOUDEVENT_TYPE, { error: `must be "${CLOUDEVENT_TYPE}"` }),
  id: name(200),
  source: name(300),
  time: z.iso.datetime({ offset: true, error: "must be an RFC 3339 timestamp" }).optional(),
  datacontenttype: z.string().optional(),
  data: z.record(z.string(), z.unknown(), { error: "must be a reload event object" }),
});

/** "field: reason; field: reason", the reason a rejected event gets back. */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((issue) => {
      const field = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
