import type { Metadata } from "next";
import { AdminsOnly } from "@/components/admin/admins-only";
import { CreateUserForm } from "@/components/admin/create-user-form";
import { UserTable } from "@/components/admin/user-table";
import { PageHead } from "@/components/page-head";
import { adminFor, listUsers } from "@/lib/admin/queries";
import { requireActor } from "@/lib/auth/require-actor";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users · Admin" };

export default async function AdminUsersPage() {
  const admin = await adminFor("user.manage");
  if (!admin) return <AdminsOnly actor={await requireActor()} />;
  const users = await listUsers();
  const now = new Date();
  return (
    <main>
      <PageHead title="Users and roles">
        Who may sign in, and what each role may do: viewers see, operators request reloads, approvers sign them off,
        admins manage this section. Changes take effect at the person&apos;s next click.
      </PageHead>
      <section className="panel" aria-label="Users" style={{ marginBottom: 16 }}>
        <h2>Users ({users.total})</h2>
        {users.items.length === 0 ? (
          <div className="empty">No users yet. Create the first local user below.</div>
        ) : (
          <UserTable users={users.items} selfId={admin.id} now={now} />
        )}
        {users.total > users.items.length ? (
          <div className="note">
            Showing the first {users.items.length} of {users.total}.
          </div>
        ) : null}
      </section>
      <section className="panel" aria-label="Create a local user">
        <h2>Create a local user</h2>
        <CreateUserForm />
      </section>
    </main>
  );
}
