// A minimal keep-alive HTTP client for POST /api/v1/events (node:http, so the client side
// costs as little CPU as possible on a machine it shares with the app and Postgres).
import http from "node:http";

export interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; reason: string }[];
}

/** Codes of a request whose connection failed: reset or refused by the server, broken, or timed out. */
const CONNECTION_FAILURES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ETIMEDOUT"]);

/** Whether `error` is a failed connection, not an answer the client disliked: a failed request, not a broken run. */
export function isConnectionFailure(error: unknown): boolean {
  return error instanceof Error && CONNECTION_FAILURES.has((error as NodeJS.ErrnoException).code ?? "");
}

export class IngestClient {
  private readonly agent: http.Agent;
  /** 429/503 answers that were retried */
  retries = 0;
  /** events posted and events the answers counted as accepted, over the whole run */
  posted = 0;
  accepted = 0;
  /** requests whose connection was reset or refused (or timed out), over the whole run: see postOrCount */
  connectionFailures = 0;

  constructor(
    private readonly port: number,
    private readonly token: string,
    sockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  /** Posts one JSON body; retries 429/503 after Retry-After; throws on any other failure. */
  async post(body: Buffer, expected: number): Promise<IngestAnswer> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.request("POST", "/api/v1/events", body);
      if ((res.status === 429 || res.status === 503) && attempt <= 20) {
        this.retries++;
        const wait = Math.min(10, Number(res.headers["retry-after"] ?? 1) || 1);
        await new Promise((r) => setTimeout(r, wait * 1000));
        continue;
      }
      if (res.status !== 200) throw new Error(`POST /api/v1/events answered ${res.status}: ${res.text.slice(0, 500)}`);
      const answer = JSON.parse(res.text) as IngestAnswer;
      this.posted += expected;
      this.accepted += answer.accepted;
      if (answer.accepted !== expected || answer.rejected.length > 0) {
        throw new Error(
          `POST /api/v1/events accepted ${answer.accepted} of ${expected} (duplicates ${answer.duplicates}); ` +
            `rejected: ${JSON.stringify(answer.rejected.slice(0, 3))}`,
        );
      }
      return answer;
    }
  }

  /**
   * post(), except that a connection reset or refused by the server (or a timeout) is counted in
   * connectionFailures and answered null instead of thrown: the caller reports it as a failed
   * request. Any other failure (an error status, events not accepted) still throws.
   */
  async postOrCount(body: Buffer, expected: number): Promise<IngestAnswer | null> {
    try {
      return await this.post(body, expected);
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      this.connectionFailures++;
      return null;
    }
  }

  request(
    method: string,
    path: string,
    body?: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    return localRequest({
      port: this.port,
      method,
      path,
      agent: this.agent,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
      },
      body,
    }).then((res) => ({ status: res.status, headers: res.headers, text: res.body.toString("utf8") }));
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * One request to the app on 127.0.0.1, the whole answer read. Two minutes without progress
 * destroys it with an ETIMEDOUT error (a connection failure to postOrCount).
 */
export function localRequest(options: {
  port: number;
  method: string;
  path: string;
  agent: http.Agent;
  headers: http.OutgoingHttpHeaders;
  body?: Buffer;
}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { port, method, path, agent, headers, body } = options;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, agent, headers, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error(`${method} ${path} timed out`), { code: "ETIMEDOUT" })),
    );
    req.on("error", reject);
    if (body) req.end(body);
    else req.end();
  });
}
