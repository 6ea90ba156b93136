// A TCP server that answers every Postgres connection the way a server that is shutting
// down does (FATAL 57P03), for testing how the app answers then. Loopback only.
import net from "node:net";

export interface RefusingPostgres {
  url: string;
  close(): Promise<void>;
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0`, "utf8"), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write("E", 0, "ascii");
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

export async function startRefusingPostgres(
  code = "57P03",
  message = "the database system is shutting down",
): Promise<RefusingPostgres> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.once("data", (first) => {
      // An SSLRequest (length 8, code 80877103) is answered "no" first, as Postgres does.
      if (first.length === 8 && first.readInt32BE(4) === 80877103) {
        socket.write("N");
        socket.once("data", () => socket.end(errorResponse(code, message)));
        return;
      }
      socket.end(errorResponse(code, message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
