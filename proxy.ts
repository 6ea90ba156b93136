// Runs before every page (not the machine endpoints: see the matcher).
// 1. A path that is not valid percent-encoding (`/services/%`) answers 400 here. Next decodes
//    dynamic segments while matching the route, and its decode error surfaced as a 500.
// 2. The sign-in gate: a page asked for with any method and no valid session cookie goes to
//    the sign-in page with an empty body, before any rendering (gatedRequest). It only checks
//    that the cookie is a valid JWT; the check that counts is requireReader() in every query
//    module, which reads the user from the database (a disabled, reset or signed-out session
//    is out at once), and each action's: a proxy redirect is not authorization (docs/adr/0017).
// 3. A POST whose body Next would answer with a 500 (over the server actions' body limit, a
//    multipart of thousands of fields, a fetch action's body that is not React's encoding)
//    answers 413 or 400 here (lib/auth/action-body.ts).
import { NextResponse, type NextRequest } from "next/server";
import { actionBodyProblem } from "@/lib/auth/action-body";
import { signInPath } from "@/lib/auth/callback-url";
import { liveSessionClaims } from "@/lib/auth/session-cookie";
import { gatedRequest, gateRedirectStatus, REQUESTED_PATH_HEADER, SERVER_ACTION_HEADER } from "@/lib/auth/gate";

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (!isDecodablePath(pathname)) {
    return new NextResponse("Bad request: the address is not valid percent-encoding.\n", {
      status: 400,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    });
  }
  const bodyProblem = await actionBodyProblem(request);
  if (bodyProblem) {
    return new NextResponse(`${bodyProblem.message}\n`, {
      status: bodyProblem.status,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    });
  }
  const serverAction = request.headers.has(SERVER_ACTION_HEADER);
  if (gatedRequest(request.method, pathname, serverAction) && !(await hasSession(request))) {
    return new NextResponse(null, {
      status: gateRedirectStatus(request.method),
      headers: {
        location: new URL(signInPath(`${pathname}${search}`), request.url).toString(),
        "cache-control": "no-store",
      },
    });
  }
  // Tell the layout which page was asked for (overwriting whatever the client sent as this header).
  const forwarded = new Headers(request.headers);
  forwarded.set(REQUESTED_PATH_HEADER, `${pathname}${search}`);
  return NextResponse.next({ request: { headers: forwarded } });
}

async function hasSession(request: NextRequest): Promise<boolean> {
  // Verifies and decrypts the session JWT with NEXTAUTH_SECRET, under the name this request's
  // scheme gives it; a forged, expired or past-its-lifetime cookie is no session. Whether it
  // was signed out is the database's to say, in the reads (requireReader).
  const cookies = new Map(request.cookies.getAll().map((c) => [c.name, c.value]));
  return (await liveSessionClaims(cookies, request.headers)) !== null;
}

export function isDecodablePath(pathname: string): boolean {
  try {
    for (const segment of pathname.split("/")) decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

export const config = {
  // Every page; never the machine endpoints (/api/v1/*, /api/metrics, /v1/traces, /v1/logs) or
  // next-auth's (/api/auth/*), whose bodies a proxy would buffer and truncate, nor Next's
  // own files and the icons.
  matcher: ["/((?!api/|v1/|_next/|favicon\\.ico|icon\\.svg).*)"],
};
