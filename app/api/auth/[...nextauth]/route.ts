// next-auth's own endpoints (/api/auth/csrf, /signin, /callback/<provider>, /session, /signout): a browser's sign-in, and a script's.
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const handler = NextAuth(authOptions);

export { handler as GET, handler as POST };
