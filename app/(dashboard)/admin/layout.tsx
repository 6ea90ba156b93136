import type { ReactNode } from "react";
import { AdminNav } from "@/components/admin/admin-nav";
import styles from "@/components/admin/admin.module.css";
import { requireActor } from "@/lib/auth/require-actor";
import { can } from "@/lib/domain/permissions";

// The admin section's frame. The nav is shown to admins only; each page checks the caller
// again on its own (a layout is not re-rendered when moving between its pages), and every
// action checks on the server regardless.
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const actor = await requireActor();
  if (!actor || !can(actor.role, "user.manage")) return children;
  return (
    <div className={`page ${styles.layout}`}>
      <AdminNav />
      <div>{children}</div>
    </div>
  );
}
