import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { parseServiceId } from "@/lib/services/params";
import { getServiceHeader } from "@/lib/services/queries";

export const dynamic = "force-dynamic";

/**
 * Settles "is there such a service" before anything streams. The page below streams behind
 * loading.tsx, and a notFound() thrown there comes after the 200 is sent; this layout sits
 * outside that Suspense boundary, so an unknown or non-numeric id answers a real 404
 * (caught by ../not-found.tsx, the boundary one segment up).
 */
export default async function ServiceLayout({
  params,
  children,
}: {
  params: Promise<{ id: string }>;
  children: ReactNode;
}) {
  const id = parseServiceId((await params).id);
  if (id === null || !(await getServiceHeader(id))) notFound();
  return children;
}
