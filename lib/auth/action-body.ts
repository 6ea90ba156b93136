// What a POST to a page may carry, checked in the proxy before Next decodes it.
// Next answers a server action whose body it cannot take (over its bodySizeLimit, not
// React's encoding, a multipart of 20,000 fields) with HTTP 500: its action handler turns
// every error of a fetch action into a 500, its own 413 included. A POST to a page is only
// ever a server action, so these are refused here with a 4xx naming the problem.

/** Keep equal to next.config.js experimental.serverActions.bodySizeLimit ("1mb"). */
export const ACTION_BODY_LIMIT_BYTES = 1024 * 1024;
/** Far above any form of the app (tens of fields), far below what makes decoding costly. */
export const ACTION_MAX_PARTS = 1000;

export interface BodyRefusal {
  status: 400 | 411 | 413;
  message: string;
}

export async function actionBodyProblem(request: Request): Promise<BodyRefusal | null> {
  if (request.method === "GET" || request.method === "HEAD") return null;
  const length = request.headers.get("content-length");
  if (length === null) {
    // Browsers send a length with every action body; a stream of unknown length would have
    // to be read to the end to learn that it is too long.
    return request.headers.has("transfer-encoding") ? { status: 411, message: "A body needs a Content-Length." } : null;
  }
  const bytes = Number(length);
  if (!/^\d+$/.test(length) || !Number.isSafeInteger(bytes))
    return { status: 400, message: "The Content-Length is not a number." };
  if (bytes > ACTION_BODY_LIMIT_BYTES)
    return { status: 413, message: `The body is ${bytes} bytes; at most ${ACTION_BODY_LIMIT_BYTES} are accepted.` };
  if (bytes === 0) return null;

  const contentType = request.headers.get("content-type") ?? "";
  if (/^multipart\/form-data/i.test(contentType)) {
    const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    if (!boundary) return { status: 400, message: "A multipart body needs a boundary." };
    const body = Buffer.from(await request.clone().arrayBuffer());
    const parts = occurrences(body, Buffer.from(`--${boundary[1] ?? boundary[2]}`)) - 1;
    if (parts > ACTION_MAX_PARTS)
      return { status: 413, message: `The form has ${parts} fields; at most ${ACTION_MAX_PARTS} are accepted.` };
    return null;
  }
  if (request.headers.has("next-action")) {
    // React encodes an action's arguments that hold no FormData or file as the JSON of
    // their list; anything else is no call of an action.
    try {
      if (Array.isArray(JSON.parse(await request.clone().text()))) return null;
    } catch {
      // falls through to the refusal
    }
    return { status: 400, message: "The body is not a server action call (React's encoding of its arguments)." };
  }
  return null;
}

function occurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}
