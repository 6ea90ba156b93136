// Page routes with a dynamic segment: a path that is not valid percent-encoding (`/services/%`)
// answers 400 here. Next decodes the segment while matching the route, and its decode error
// surfaced as a 500. Machine endpoints (/api/*, /v1/*) are deliberately outside the matcher.
import { NextResponse, type NextRequest } from "next/server";

export function proxy(request: NextRequest) {
  if (!isDecodablePath(request.nextUrl.pathname)) {
    return new NextResponse("Bad request: the address is not valid percent-encoding.\n", {
      status: 400,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    });
  }
  return NextResponse.next();
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
  matcher: ["/services/:path*", "/reloads/:path*"],
};
