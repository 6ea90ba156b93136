import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { alertExists } from "@/lib/alerts/queries";

export const dynamic = "force-dynamic";

/** Settles "is there such an alert" before the page streams, so an unknown id answers a real 404 (../not-found.tsx). */
export default async function AlertLayout({
  params,
  children,
}: {
  params: Promise<{ id: string }>;
  children: ReactNode;
}) {
  if (!(await alertExists((await params).id))) notFound();
  return children;
}
