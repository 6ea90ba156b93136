import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { currentActor } from "@/lib/auth/actor";
import { signInPath } from "@/lib/auth/callback-url";
import { REQUESTED_PATH_HEADER } from "@/lib/auth/gate";

// The sign-in gate for every page, on the server: a signed-out (or disabled) visitor goes to
// the sign-in page. The proxy does the same earlier as a courtesy; this is the check that
// counts, because it reads the user from the database. Layouts are not told the URL, so the
// proxy passes the requested path in a header for the way back.
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  if (!(await currentActor())) {
    const requested = (await headers()).get(REQUESTED_PATH_HEADER);
    redirect(signInPath(requested ?? "/fleet"));
  }
  return children;
}
