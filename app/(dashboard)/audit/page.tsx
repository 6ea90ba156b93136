import type { Metadata } from "next";
import { AuditFilters, type AuditFilterValues } from "@/components/audit/audit-filters";
import { AuditTable } from "@/components/audit/audit-table";
import { VerifyChainButton } from "@/components/audit/verify-chain-button";
import { CursorPager, FilterError } from "@/components/filters/list-page";
import { PageHead } from "@/components/page-head";
import { auditHref, isFiltered, parseAuditFilters, showsSignIns, type AuditSearchParams } from "@/lib/audit/filters";
import { auditFilterOptions, auditHead, listAuditEntries } from "@/lib/audit/queries";
import { requireActor } from "@/lib/auth/require-actor";
import { isoUtc } from "@/lib/format";
import { formValue } from "@/lib/query-params";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<AuditSearchParams> }) {
  const raw = await searchParams;
  // Every role may read the log, but only signed in: it names people and their reasons.
  await requireActor();
  const text = (name: string) => formValue(raw, name);
  const parsed = parseAuditFilters(raw);
  const [options, head] = await Promise.all([auditFilterOptions(), auditHead()]);
  const values: AuditFilterValues = {
    actor: text("actor"),
    action: text("action"),
    outcome: text("outcome"),
    service: text("service"),
    subject: text("subject"),
    signins: text("signins"),
    // As typed in the URL (now-1h stays relative in the picker and the export link).
    from: text("from"),
    to: text("to"),
  };
  const chainHead = head ? (
    <div className="muted" style={{ fontSize: 12, marginTop: 4 }} data-chain-head={head.id}>
      Chain head #{head.id} at {isoUtc(head.at)}: <span className="mono">{head.hash}</span> (copy it somewhere outside
      this database to anchor the chain)
    </div>
  ) : null;
  const heading = (
    <PageHead title="Audit log" below={chainHead} aside={<VerifyChainButton />}>
      Every attempted action, allowed or not, newest first. Entries are append-only and hash-chained: verify finds the
      first one changed or removed.
    </PageHead>
  );
  if (!parsed.ok) {
    return (
      <main className="page">
        {heading}
        <AuditFilters values={values} actions={options.actions} actors={options.actors} />
        <FilterError parameter={parsed.parameter} message={parsed.message} clearHref="/audit" />
      </main>
    );
  }
  const { filters } = parsed;
  const page = await listAuditEntries(filters);
  const keep = { ...values, limit: text("limit") };
  return (
    <main className="page">
      {heading}
      <AuditFilters values={values} actions={options.actions} actors={options.actors} />
      <section className="panel" aria-label="Audit entries">
        {page.items.length === 0 ? (
          <div className="empty">
            {filters.cursor ? (
              <>
                No older entries. <a href={auditHref({ ...keep, cursor: null })}>Back to the newest</a>
              </>
            ) : isFiltered(filters) ? (
              <>
                No entry matches these filters. <a href="/audit">Clear the filters</a>
              </>
            ) : showsSignIns(filters) ? (
              <>
                Nothing has been recorded yet. Every sign-in, request, approval and admin change appears here, allowed
                or denied.
              </>
            ) : (
              <>
                Nothing but sign-ins has been recorded yet.{" "}
                <a href={auditHref({ ...keep, signins: "include" })}>Include sign-ins</a>
              </>
            )}
          </div>
        ) : (
          <AuditTable entries={page.items} />
        )}
        <CursorPager
          newestHref={filters.cursor ? auditHref({ ...keep, cursor: null }) : null}
          olderHref={page.nextCursor ? auditHref({ ...keep, cursor: page.nextCursor }) : null}
        />
      </section>
    </main>
  );
}
