import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { ApprovalQueue } from "@/components/approvals/approval-queue";
import { RequestStatusBadge } from "@/components/approvals/request-status-badge";
import { DataTable } from "@/components/data-table";
import { requireActor } from "@/lib/auth/require-actor";
import { signInPath } from "@/lib/auth/callback-url";
import { can } from "@/lib/domain/permissions";
import { relativeTime, serviceLabel, versionChange } from "@/lib/format";
import { getApprovalQueue, getRecentRequests } from "@/lib/requests/queries";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Approvals" };

export default async function ApprovalsPage() {
  const actor = await requireActor();
  if (!actor) redirect(signInPath("/approvals"));
  const now = new Date();
  const [queue, recent] = await Promise.all([getApprovalQueue(actor, now), getRecentRequests()]);
  const deciding = can(actor.role, "request.approve");
  return (
    <main className="page">
      <div className="page-head">
        <h1>Approvals</h1>
        <span className="muted">
          {queue.length} waiting for a decision
          {deciding ? "" : " · approvers and admins decide; you see where requests stand"}
        </span>
      </div>
      <ApprovalQueue items={queue} now={now} />
      <section className="panel" style={{ marginTop: 16 }}>
        <h2>Recently decided or ended</h2>
        {recent.length === 0 ? (
          <p className="empty">No request has been decided yet.</p>
        ) : (
          <DataTable
            data-recent-requests
            columns={["Request", "Service", "Change", "Status", "Why", "Decided by", "Asked"]}
          >
            {recent.map((r) => (
              <tr key={r.id} data-request-row={r.id}>
                <td>
                  <Link href={`/approvals/${r.id}`}>
                    #{r.id} {r.action} {r.kind}/{r.resource}
                  </Link>
                </td>
                <td>{serviceLabel(r.service)}</td>
                <td className="mono">{versionChange(r.fromVersion, r.toVersion)}</td>
                <td>
                  <RequestStatusBadge status={r.status} />
                </td>
                <td className="muted">{r.statusReason ?? ""}</td>
                <td data-recent-decisions>
                  {r.decisions.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    r.decisions.map((d) => (
                      <div key={`${d.approverId}-${d.decidedAt.toISOString()}`} data-decision={d.decision}>
                        <b>{d.approver}</b> {d.decision}
                        {d.comment ? <>: “{d.comment}”</> : null}
                      </div>
                    ))
                  )}
                </td>
                <td className="when">
                  {relativeTime(r.requestedAt, now)} by {r.requestedBy.username}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
    </main>
  );
}
