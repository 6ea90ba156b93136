// Pages need a signed-in caller (docs/adr/0017): the bench makes a viewer of its own in its
// scratch database and signs in over HTTP as a browser's form does (next-auth's csrf →
// callback/credentials → session cookie), so GET /fleet is timed with the cookie a person's
// browser would send, through the proxy's session check and the page's requireActor().
import { randomBytes } from "node:crypto";
import { createLocalUser } from "@/lib/auth/users";
import { signInWithPassword } from "@/tests/support/auth-client";

export const BENCH_USER = "bench-viewer";

/** Creates the bench's viewer (lib/'s client must point at the app's database) and returns a session Cookie header. */
export async function benchSession(port: number): Promise<string> {
  const password = randomBytes(18).toString("base64url");
  await createLocalUser({ username: BENCH_USER, password, role: "viewer", displayName: "benchmark" });
  return signInWithPassword(`http://127.0.0.1:${port}`, BENCH_USER, password);
}
