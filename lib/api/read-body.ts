import "server-only";
import { gunzipSync } from "node:zlib";
import { env } from "@/lib/env";
import { ApiError } from "./errors";

/**
 * Reads the body within INGEST_BODY_TIMEOUT_MS (408 after it, so a stalled upload cannot
 * hold an ingest slot), refusing (413) as soon as it passes INGEST_MAX_BODY_BYTES; gunzips
 * when asked, within the same limit.
 */
export async function readBody(request: Request): Promise<Buffer> {
  const limit = env().INGEST_MAX_BODY_BYTES;
  const tooLarge = () => new ApiError("body_too_large", `the body exceeds the limit of ${limit} bytes`);
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  if (request.body) {
    const reader = request.body.getReader();
    const timeoutMs = env().INGEST_BODY_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      const message = `the request body did not arrive within ${timeoutMs} ms; send the whole body at once`;
      timer = setTimeout(() => reject(new ApiError("body_timeout", message)), timeoutMs);
    });
    deadline.catch(() => {}); // raced below; never an unhandled rejection
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), deadline]);
        if (done) break;
        size += value.byteLength;
        if (size > limit) throw tooLarge();
        chunks.push(Buffer.from(value));
      }
    } catch (error) {
      // Not awaited: cancelling a stalled source may itself wait on the peer.
      void reader.cancel().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  const raw = Buffer.concat(chunks);
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return raw;
  if (encoding !== "gzip") {
    throw new ApiError("unsupported_encoding", `Content-Encoding ${encoding} is not supported; use gzip or none`);
  }
  try {
    // maxOutputLength keeps a small gzip bomb from becoming a huge buffer.
    return gunzipSync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    throw new ApiError("invalid_gzip", "the body is not valid gzip");
  }
}
