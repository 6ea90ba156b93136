// POST /api/v1/events: reload events (one, an array, or CloudEvents structured or binary) in; {accepted, duplicates, rejected} out.
import { ApiError } from "@/lib/api/errors";
import { json } from "@/lib/api/json";
import { withIngest } from "@/lib/api/with-ingest";
import { decodeUtf8 } from "@/lib/domain/text-input";
import { binaryContext } from "@/lib/ingest/cloudevents-binary";
import { parseEvents, type BodyFormat } from "@/lib/ingest/parse-events";
import { storeEvents } from "@/lib/ingest/store-events";
import { env } from "@/lib/env";
import { countIngestedEvents } from "@/lib/metrics/ingest-counters";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const FORMATS: Record<string, BodyFormat> = {
  "application/json": "json",
  "application/cloudevents+json": "cloudevent",
  "application/cloudevents-batch+json": "cloudevent-batch",
};

export const POST = withIngest(async ({ body, contentType, headers, tokenId, restrictions }) => {
  let format: BodyFormat | undefined = FORMATS[contentType];
  if (!format) {
    throw new ApiError("unsupported_media_type", `Content-Type must be one of ${Object.keys(FORMATS).join(", ")}`);
  }
  // Binary mode: ce-* headers around a plain JSON body. A structured body's content type
  // says it carries its own envelope, so ce-* headers beside it are not read (the binding's rule).
  if (format === "json") {
    const binary = binaryContext(headers);
    if (binary) format = { binary };
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(decodeUtf8(body));
  } catch (error) {
    throw new ApiError("invalid_json", `the body is not valid JSON: ${(error as Error).message}`);
  }
  const settings = env();
  const now = new Date();
  const parsed = parseEvents(decoded, format, settings.INGEST_MAX_EVENTS, {
    now,
    retentionMs: settings.RETENTION_DAYS * 86_400_000,
  });
  if (parsed.events.length === 0) {
    countIngestedEvents("events", { accepted: 0, duplicates: 0, rejected: parsed.rejected.length });
    return json({ accepted: 0, duplicates: 0, rejected: parsed.rejected }, 400);
  }
  const stored = await storeEvents(
    parsed.events.map((p) => p.event),
    { now, writer: { kind: "token", tokenId, restrictions } },
  );
  // Events refused while storing (an id used for other content, a reload they disagree
  // with) join the parser's rejections under their index in the request.
  const rejected = [
    ...parsed.rejected,
    ...stored.rejected.map((r) => ({ index: parsed.events[r.position]!.index, reason: r.reason })),
  ].sort((a, b) => a.index - b.index);
  countIngestedEvents("events", {
    accepted: stored.accepted,
    duplicates: stored.duplicates,
    rejected: rejected.length,
  });
  const status = stored.accepted + stored.duplicates === 0 ? 400 : 200;
  return json({ accepted: stored.accepted, duplicates: stored.duplicates, rejected }, status);
});
