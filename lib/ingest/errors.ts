// Ingest's refusals of a whole body: a typed code and a message meant for the caller. How each
// code is answered over HTTP is the route's business: lib/api/errors.ts's one table.

export type IngestErrorCode = "empty_batch" | "too_many_events" | "invalid_body" | "invalid_cloudevent";

export class IngestError extends Error {
  constructor(
    readonly code: IngestErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "IngestError";
  }
}
