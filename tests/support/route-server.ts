// A plain node:http server in front of route handlers, as `next start` would be, so real
// HTTP clients (SDK exporters, emitters, fetch) can be pointed at the real handlers.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type RouteHandler = (request: Request) => Promise<Response>;

export interface SeenRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  status: number;
  /** the answer's body */
  body: Buffer;
}

export interface RouteServer {
  url: string;
  /** every request answered, in order */
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** Serves POSTs to each path of `routes` with its handler; anything else is a 404. */
export async function startRouteServer(routes: Record<string, RouteHandler>): Promise<RouteServer> {
  const seen: SeenRequest[] = [];
  let url = "";
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "";
    const handler = routes[path];
    if (req.method !== "POST" || !handler) {
      res.writeHead(404).end();
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    const response = await handler(
      new Request(`${url}${path}`, { method: "POST", headers, body: Buffer.concat(chunks) }),
    );
    const body = Buffer.from(await response.arrayBuffer());
    seen.push({ path, headers: req.headers, status: response.status, body });
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
