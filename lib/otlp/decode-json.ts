// application/json → DecodedTraceRequest or DecodedLogsRequest, by the OTLP/JSON rules: lowerCamelCase field
// names (others are ignored, as unknown fields must be), trace and span ids as hex, 64-bit
// integers as numbers or decimal strings, enums as integers, AnyValue in its JSON shapes.
// A malformed envelope fails the request (400); a malformed span or log record fails only itself.
import { z } from "zod";
import { describeIssues } from "@/lib/ingest/wire-schema";
import { decodeUtf8, nestingProblem } from "@/lib/domain/text-input";
import {
  doubleJson,
  int64Json,
  isAnyValueNesting,
  setAttribute,
  UndecodableBody,
  type Attributes,
  type AttributeValue,
  type DecodedLogRecord,
  type DecodedLogsRequest,
  type DecodedSpan,
  type DecodedTraceRequest,
  type UnreadableSpan,
} from "./decoded";

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const integer = (min: bigint, max: bigint) =>
  z
    // Not z.int(): a JSON number beyond 2^53 (a time in nanoseconds) is still an integer.
    .union(
      [
        z.string().regex(/^-?\d+$/, "must be an integer or its decimal text"),
        z.number().refine(Number.isInteger, "must be an integer"),
      ],
      {
        error: "must be an integer or its decimal text",
      },
    )
    .transform((v) => BigInt(v))
    .refine((v) => v >= min && v <= max, `must be between ${min} and ${max}`);

const uint64 = integer(0n, UINT64_MAX);
const int64 = integer(INT64_MIN, INT64_MAX);

const double = z.union(
  [
    z.number(),
    // proto3 JSON writes the non-finite doubles, and may write any double, as text.
    z
      .string()
      .refine(
        (s) => s === "NaN" || s === "Infinity" || s === "-Infinity" || (s.trim() !== "" && Number.isFinite(Number(s))),
        "must be a number",
      )
      .transform(Number),
  ],
  { error: "must be a number" },
);

const bytes = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, "must be base64")
  .transform((s) => Buffer.from(s, "base64").toString("base64"));

const hexId = z.string({ error: "must be hex text" }).transform((s) => s.toLowerCase());
const enumInt = z
  .number({ error: "must be an integer (OTLP/JSON enums are integers)" })
  .int("must be an integer")
  .min(0)
  .max(2 ** 31 - 1);
const text = z.string({ error: "must be a string" });

type KeyValueJson = { key: string; value: AttributeValue };

const anyValue: z.ZodType<AttributeValue> = z.lazy(() =>
  z
    .object(
      {
        stringValue: text.optional(),
        boolValue: z.boolean({ error: "must be true or false" }).optional(),
        intValue: int64.optional(),
        doubleValue: double.optional(),
        arrayValue: z.object({ values: z.array(anyValue).optional() }).optional(),
        kvlistValue: z.object({ values: z.array(keyValue).optional() }).optional(),
        bytesValue: bytes.optional(),
      },
      { error: "must be an AnyValue object" },
    )
    .transform((v): AttributeValue => {
      if (v.stringValue !== undefined) return v.stringValue;
      if (v.boolValue !== undefined) return v.boolValue;
      if (v.intValue !== undefined) return int64Json(v.intValue);
      if (v.doubleValue !== undefined) return doubleJson(v.doubleValue);
      if (v.arrayValue !== undefined) return v.arrayValue.values ?? [];
      if (v.kvlistValue !== undefined) return toAttributes(v.kvlistValue.values ?? []);
      if (v.bytesValue !== undefined) return v.bytesValue;
      return null;
    }),
);

const keyValue: z.ZodType<KeyValueJson> = z.lazy(() =>
  z
    .object({ key: text.default(""), value: anyValue.nullish() })
    .transform((kv) => ({ key: kv.key, value: kv.value ?? null })),
);

function toAttributes(list: KeyValueJson[]): Attributes {
  const attributes: Attributes = {};
  for (const kv of list) setAttribute(attributes, kv.key, kv.value);
  return attributes;
}

const attributes = z
  .array(keyValue, { error: "must be an array of {key, value}" })
  .nullish()
  .transform((list) => toAttributes(list ?? []));

const spanSchema = z.object(
  {
    traceId: hexId.default(""),
    spanId: hexId.default(""),
    parentSpanId: hexId.nullish().transform((s) => s ?? ""),
    traceState: text.nullish().transform((s) => s ?? ""),
    name: text.nullish().transform((s) => s ?? ""),
    kind: enumInt.nullish().transform((k) => k ?? 0),
    startTimeUnixNano: uint64.nullish().transform((t) => t ?? 0n),
    endTimeUnixNano: uint64.nullish().transform((t) => t ?? 0n),
    attributes,
    events: z
      .array(
        z.object({
          timeUnixNano: uint64.nullish().transform((t) => t ?? 0n),
          name: text.nullish().transform((s) => s ?? ""),
          attributes,
        }),
      )
      .nullish()
      .transform((e) => e ?? []),
    links: z
      .array(
        z.object({
          traceId: hexId.default(""),
          spanId: hexId.default(""),
          traceState: text.nullish().transform((s) => s ?? ""),
          attributes,
        }),
      )
      .nullish()
      .transform((l) => l ?? []),
    status: z
      .object({ code: enumInt.nullish().transform((c) => c ?? 0), message: text.nullish().transform((m) => m ?? "") })
      .nullish()
      .transform((s) => s ?? { code: 0, message: "" }),
  },
  { error: "must be a Span object" },
);

const requestSchema = z.object(
  {
    resourceSpans: z
      .array(
        z.object({
          resource: z.object({ attributes }).nullish(),
          scopeSpans: z
            .array(
              z.object({
                scope: z.object({ name: text.nullish(), version: text.nullish(), attributes }).nullish(),
                spans: z.array(z.unknown(), { error: "must be an array of spans" }).nullish(),
              }),
            )
            .nullish(),
        }),
        { error: "must be an array" },
      )
      .nullish(),
  },
  { error: "the body must be an ExportTraceServiceRequest object" },
);

/** The body as JSON, its AnyValue nesting bounded: anyValue recurses, in zod and in our own checks, so the depth is bounded before either runs. */
function parseBody(body: Buffer): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeUtf8(body));
  } catch (error) {
    throw new UndecodableBody(`the body is not valid JSON: ${(error as Error).message}`);
  }
  const tooDeep = nestingProblem(parsed, { counts: isAnyValueNesting });
  if (tooDeep) throw new UndecodableBody(tooDeep);
  return parsed;
}

export function decodeJsonRequest(body: Buffer): DecodedTraceRequest {
  const request = requestSchema.safeParse(parseBody(body));
  if (!request.success) throw new UndecodableBody(describeIssues(request.error));
  return {
    resourceSpans: (request.data.resourceSpans ?? []).map((rs) => ({
      resource: rs.resource?.attributes ?? {},
      scopeSpans: (rs.scopeSpans ?? []).map((ss) => ({
        scope: { name: ss.scope?.name ?? "", version: ss.scope?.version ?? "", attributes: ss.scope?.attributes ?? {} },
        spans: (ss.spans ?? []).map(readSpan),
      })),
    })),
  };
}

function readSpan(value: unknown): DecodedSpan | UnreadableSpan {
  const span = spanSchema.safeParse(value);
  return span.success ? span.data : { unreadable: describeIssues(span.error) };
}

const logRecordSchema = z.object(
  {
    timeUnixNano: uint64.nullish().transform((t) => t ?? 0n),
    observedTimeUnixNano: uint64.nullish().transform((t) => t ?? 0n),
    severityNumber: enumInt.nullish().transform((n) => n ?? 0),
    severityText: text.nullish().transform((s) => s ?? ""),
    eventName: text.nullish().transform((s) => s ?? ""),
    body: anyValue.nullish().transform((b) => b ?? null),
    attributes,
    traceId: hexId.nullish().transform((s) => s ?? ""),
    spanId: hexId.nullish().transform((s) => s ?? ""),
  },
  { error: "must be a LogRecord object" },
);

const logsRequestSchema = z.object(
  {
    resourceLogs: z
      .array(
        z.object({
          resource: z.object({ attributes }).nullish(),
          scopeLogs: z
            .array(
              z.object({
                scope: z.object({ name: text.nullish(), version: text.nullish(), attributes }).nullish(),
                logRecords: z.array(z.unknown(), { error: "must be an array of log records" }).nullish(),
              }),
            )
            .nullish(),
        }),
        { error: "must be an array" },
      )
      .nullish(),
  },
  { error: "the body must be an ExportLogsServiceRequest object" },
);

export function decodeJsonLogsRequest(body: Buffer): DecodedLogsRequest {
  const request = logsRequestSchema.safeParse(parseBody(body));
  if (!request.success) throw new UndecodableBody(describeIssues(request.error));
  return {
    resourceLogs: (request.data.resourceLogs ?? []).map((rl) => ({
      resource: rl.resource?.attributes ?? {},
      scopeLogs: (rl.scopeLogs ?? []).map((sl) => ({
        scope: { name: sl.scope?.name ?? "", version: sl.scope?.version ?? "", attributes: sl.scope?.attributes ?? {} },
        logRecords: (sl.logRecords ?? []).map(readLogRecord),
      })),
    })),
  };
}

function readLogRecord(value: unknown): DecodedLogRecord | UnreadableSpan {
  const record = logRecordSchema.safeParse(value);
  return record.success ? record.data : { unreadable: describeIssues(record.error) };
}
