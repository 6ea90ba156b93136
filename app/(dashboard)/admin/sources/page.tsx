import type { Metadata } from "next";
import { AdminsOnly } from "@/components/admin/admins-only";
import { SourceForm } from "@/components/admin/source-form";
import { SourceTable } from "@/components/admin/source-table";
import { DataTable } from "@/components/data-table";
import { PageHead } from "@/components/page-head";
import { adminFor } from "@/lib/admin/queries";
import { requireActor } from "@/lib/auth/require-actor";
import { catalogueFamilies } from "@/lib/domain/source-catalogue";
import { listSources } from "@/lib/sources/queries";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sources · Admin" };

export default async function AdminSourcesPage() {
  if (!(await adminFor("source.manage"))) return <AdminsOnly actor={await requireActor()} />;
  const sources = await listSources();
  const now = new Date();
  return (
    <main>
      <PageHead title="Sources">
        Reloads already visible in the metrics you collect: the worker queries each source&apos;s Prometheus-compatible
        API for the reload metrics of the families below and writes what changed as reload events, initiated by{" "}
        <code>source:&lt;name&gt;</code>. A new hash or success time is <code>applied</code>, a failed reload{" "}
        <code>nacked</code>, an unchanged series a heartbeat.
      </PageHead>
      <section className="panel" aria-label="Sources" style={{ marginBottom: 16, padding: 12 }}>
        <h2>Sources ({sources.length})</h2>
        {sources.length === 0 ? (
          <div className="empty">No source yet. Add your Prometheus below.</div>
        ) : (
          <SourceTable sources={sources} now={now} />
        )}
      </section>
      <section className="panel" aria-label="Add a source" id="add-source" style={{ marginBottom: 16 }}>
        <h2>Add a source</h2>
        <SourceForm />
      </section>
      <section className="panel" aria-label="Known families">
        <h2>Known families</h2>
        <DataTable aria-label="Known reload-metric families" columns={["Family", "Metric", "Says", "Kind · resource"]}>
          {catalogueFamilies().flatMap(({ family, rows }) =>
            rows.map((row, i) => (
              <tr key={`${family}-${row.metric}`}>
                <td>{i === 0 ? family : ""}</td>
                <td>
                  <code>{row.metric}</code>
                  {row.versionLabel ? <span className="muted"> (label {row.versionLabel})</span> : null}
                </td>
                <td>{row.role.replace("_", " ")}</td>
                <td>
                  {row.kind} · {row.resource}
                </td>
              </tr>
            )),
          )}
        </DataTable>
      </section>
    </main>
  );
}
