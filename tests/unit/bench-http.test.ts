// The bench's ingest client (scripts/bench/http.ts): a connection the server resets or refuses
// is a failed request the sustained phase counts (postOrCount answers null), not an error that
// ends the run; an answer it does not like still throws.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { IngestClient, isConnectionFailure } from "@/scripts/bench/http";

const servers: http.Server[] = [];
const clients: IngestClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

function clientOn(port: number): IngestClient {
  const client = new IngestClient(port, "rs_token", 2);
  clients.push(client);
  return client;
}

const body = Buffer.from("[{}]");

describe("the bench ingest client", () => {
  test("a socket the server destroys is counted as a failed request, not thrown", async () => {
    let asked = 0;
    const port = await serve((req) => {
      asked++;
      req.socket.destroy();
    });
    const client = clientOn(port);
    expect(await client.postOrCount(body, 1)).toBeNull();
    expect(await client.postOrCount(body, 1)).toBeNull();
    expect(asked).toBe(2);
    expect(client.connectionFailures).toBe(2);
    expect(client.posted).toBe(0);
    // post() itself still rejects, with the reset's code
    const error = await client.post(body, 1).catch((e: unknown) => e);
    expect(isConnectionFailure(error)).toBe(true);
    expect((error as NodeJS.ErrnoException).code).toBe("ECONNRESET");
  });

  test("a refused connection is counted too", async () => {
    const port = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const client = clientOn(port);
    expect(await client.postOrCount(body, 1)).toBeNull();
    expect(client.connectionFailures).toBe(1);
  });

  test("an answer is not a connection failure: a 500 still throws, a good answer is counted as posted", async () => {
    let status = 500;
    const port = await serve((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ accepted: 1, duplicates: 0, rejected: [] }));
      });
    });
    const client = clientOn(port);
    await expect(client.postOrCount(body, 1)).rejects.toThrow("answered 500");
    status = 200;
    expect(await client.postOrCount(body, 1)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(client.connectionFailures).toBe(0);
    expect(client.posted).toBe(1);
  });
});
