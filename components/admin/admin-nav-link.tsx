import Link from "next/link";
import { currentActor } from "@/lib/auth/actor";
import { can } from "@/lib/domain/permissions";

// The header's "Admin" link, for admins only: a courtesy (the admin pages and their
// actions check on the server). Nothing when the user cannot be read: the page says why.
export async function AdminNavLink() {
  try {
    const actor = await currentActor();
    return actor && can(actor.role, "user.manage") ? <Link href="/admin/users">Admin</Link> : null;
  } catch {
    return null;
  }
}
