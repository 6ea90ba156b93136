// The CloudEvents HTTP binary content mode (the default of the CloudEvents SDKs' emitters and
// of Knative sinks): the envelope's attributes arrive as ce-* headers and the body is the
// event's data. This reads the headers into the same envelope structured mode carries.
import { decodeUtf8, textProblem } from "@/lib/domain/text-input";
import { IngestError } from "./errors";
import { cloudEventSchema } from "./wire-schema";

/** The envelope attributes that fill an event's id, occurredAt and instance or initiator. */
export interface CloudEventContext {
  id: string;
  source: string;
  time?: string;
}

const HEADERS = ["specversion", "type", "id", "source", "time"] as const;

/**
 * The binary-mode envelope of a request, or null when it sends none (a plain event). The
 * binding marks binary mode by ce-specversion; other ce-* headers without it are a mistake
 * worth naming rather than ignoring. A bad envelope refuses the request whole (400 naming
 * the header): it is the one envelope of every event in the body.
 */
export function binaryContext(headers: Headers): CloudEventContext | null {
  const present = HEADERS.filter((name) => headers.has(`ce-${name}`));
  if (present.length === 0) return null;
  const envelope: Record<string, string> = {};
  for (const name of present) {
    const value = headerValue(headers.get(`ce-${name}`)!);
    const problem = textProblem(value);
    if (problem) throw refused(`ce-${name}: ${problem}`);
    envelope[name] = value;
  }
  if (envelope.specversion === undefined)
    throw refused("ce-specversion: is required (binary mode; the ce-* headers need it)");
  const parsed = cloudEventSchema.omit({ data: true }).safeParse(envelope);
  if (!parsed.success) {
    throw refused(parsed.error.issues.map((issue) => `ce-${String(issue.path[0])}: ${issue.message}`).join("; "));
  }
  return { id: parsed.data.id, source: parsed.data.source, time: parsed.data.time };
}

/**
 * A header's value as text: its bytes (HTTP header values are bytes, which fetch hands out
 * as Latin-1 characters) with %XX sequences decoded, read as UTF-8, as the HTTP binding
 * asks of a receiver. Invalid UTF-8 stays visible to textProblem (decodeUtf8).
 */
function headerValue(raw: string): string {
  const bytes = Buffer.from(raw.trim(), "latin1");
  const decoded: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes[i] === 0x25 && i + 2 < bytes.length ? bytes.subarray(i + 1, i + 3).toString("latin1") : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      decoded.push(parseInt(hex, 16));
      i += 2;
    } else {
      decoded.push(bytes[i]!);
    }
  }
  return decodeUtf8(Uint8Array.from(decoded));
}

const refused = (message: string) => new IngestError("invalid_cloudevent", message);
