// A session cookie as next-auth sets it after a sign-in, without going through the sign-in:
// a user_session row (so sign-out could end it) and the JWT claims the jwt callback sets,
// signed with the test's NEXTAUTH_SECRET.
import { encode } from "next-auth/jwt";
import { startUserSession } from "@/lib/auth/user-sessions";

export async function sessionCookieFor(userId: number, options: { sessionEpoch?: number } = {}): Promise<string> {
  process.env.NEXTAUTH_SECRET ??= "integration-test-secret-integration-test-secret";
  const { sid, signedInAt } = await startUserSession(userId);
  const token = await encode({
    token: { sub: String(userId), uid: userId, sid, signedInAt, sessionEpoch: options.sessionEpoch ?? 0 },
    secret: process.env.NEXTAUTH_SECRET,
  });
  return `next-auth.session-token=${token}`;
}
