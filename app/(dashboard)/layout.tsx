import type { ReactNode } from "react";
import { requireActor } from "@/lib/auth/require-actor";

// The dashboard's frame. Its sign-in check sends a signed-out visitor to sign-in before the
// frame renders, but it is not what guards the data: a layout renders beside its page, not
// before it, so every read checks the caller itself (requireReader() in the query modules,
// docs/adr/0017).
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  await requireActor();
  return children;
}
