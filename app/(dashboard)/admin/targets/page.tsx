import type { Metadata } from "next";
import { AdminsOnly } from "@/components/admin/admins-only";
import { ReloadTargetForm } from "@/components/admin/reload-target-form";
import { ReloadTargetTable } from "@/components/admin/reload-target-table";
import { ServiceFormPanel } from "@/components/admin/service-form-panel";
import { PageHead } from "@/components/page-head";
import { adminFor, listReloadTargets, listServiceOptions } from "@/lib/admin/queries";
import { requireActor } from "@/lib/auth/require-actor";
import { chosenServiceId } from "@/lib/query-params";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reload targets · Admin" };

export default async function AdminTargetsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  if (!(await adminFor("target.manage"))) return <AdminsOnly actor={await requireActor()} />;
  const [targets, services, params] = await Promise.all([listReloadTargets(), listServiceOptions(), searchParams]);
  const initialServiceId = chosenServiceId(params);
  const now = new Date();
  return (
    <main>
      <PageHead title="Reload targets">
        Where each service&apos;s approved reloads are sent: a webhook that receives a signed POST (
        <code>X-Reloadscope-Signature: t=…,v1=…</code>, an HMAC-SHA256 of the time and the body with the target&apos;s
        secret; a delivery id; a <code>traceparent</code>). Link-local and cloud-metadata addresses are refused. An
        approved reload of a service without a target fails with “no reload target configured”.
      </PageHead>
      <section className="panel" aria-label="Targets" style={{ marginBottom: 16 }}>
        <h2>Targets ({targets.total})</h2>
        {targets.items.length === 0 ? (
          <div className="empty">
            No service has a reload target yet. Set one below: until then, approved reloads of a service fail at
            dispatch.
          </div>
        ) : (
          <ReloadTargetTable targets={targets.items} now={now} />
        )}
      </section>
      <ServiceFormPanel
        label="Set a reload target"
        id="set-target"
        heading="Set a service's target"
        hasServices={services.items.length > 0}
      >
        <ReloadTargetForm
          key={initialServiceId ?? "new"}
          services={services.items}
          existing={Object.fromEntries(targets.items.map((t) => [t.service.id, t.url]))}
          initialServiceId={initialServiceId}
        />
      </ServiceFormPanel>
    </main>
  );
}
