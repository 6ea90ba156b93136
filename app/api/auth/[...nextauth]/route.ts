// next-auth's own endpoints (/api/auth/csrf, /signin, /callback/<provider>, /session, /signout): a browser's sign-in, and a script's.
// The options are built per request: whether the cookies are Secure depends on whether this request came over https (authOptionsFor).
import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptionsFor } from "@/lib/auth/options";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

async function handler(request: NextRequest, context: Context): Promise<Response> {
  return NextAuth(request, context, authOptionsFor(request.headers));
}

export { handler as GET, handler as POST };
