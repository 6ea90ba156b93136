import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { getReloadHeader } from "@/lib/reloads/timeline-queries";

export const dynamic = "force-dynamic";

/** Settles "is there such a reload" before the page streams, so an unknown key answers a real 404 (../not-found.tsx). */
export default async function ReloadLayout({
  params,
  children,
}: {
  params: Promise<{ id: string }>;
  children: ReactNode;
}) {
  if (!(await getReloadHeader((await params).id))) notFound();
  return children;
}
