// Expected ingest failures carry an HTTP status and a message meant for the caller.

export class IngestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "IngestError";
  }
}

// The classifier lives with the database (lib/db/unavailable.ts); ingest's routes map it to 503.
export { isDatabaseUnavailable } from "@/lib/db/unavailable";
