import type { Metadata } from "next";
import { AdminsOnly } from "@/components/admin/admins-only";
import { CreateTokenForm } from "@/components/admin/create-token-form";
import { TokenTable } from "@/components/admin/token-table";
import { PageHead } from "@/components/page-head";
import { adminFor, listTokens } from "@/lib/admin/queries";
import { requireActor } from "@/lib/auth/require-actor";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Ingest tokens · Admin" };

export default async function AdminTokensPage() {
  if (!(await adminFor("token.manage"))) return <AdminsOnly actor={await requireActor()} />;
  const tokens = await listTokens();
  const now = new Date();
  return (
    <main>
      <PageHead title="Ingest tokens">
        Bearer tokens for machines: <code>ingest</code> sends events and traces, <code>read</code> reads the reload API.
        Only a hash is stored; a revoked token is refused within {env().INGEST_TOKEN_CACHE_SECONDS} s by every app
        process.
      </PageHead>
      <section className="panel" aria-label="Create a token" style={{ marginBottom: 16 }}>
        <h2>Create a token</h2>
        <CreateTokenForm />
      </section>
      <section className="panel" aria-label="Tokens">
        <h2>Tokens ({tokens.total})</h2>
        {tokens.items.length === 0 ? (
          <div className="empty">No tokens yet. Create one above for each pipeline or service that sends events.</div>
        ) : (
          <TokenTable tokens={tokens.items} now={now} />
        )}
        {tokens.total > tokens.items.length ? (
          <div className="note">
            Showing the first {tokens.items.length} of {tokens.total}: live ones first.
          </div>
        ) : null}
      </section>
    </main>
  );
}
