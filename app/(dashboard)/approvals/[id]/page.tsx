import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { RequestFacts, RequestHeader } from "@/components/approvals/approval-queue";
import { DecisionForm } from "@/components/approvals/decision-form";
import { requireActor } from "@/lib/auth/require-actor";
import { approverRefusal } from "@/lib/domain/approval-state";
import { authorize } from "@/lib/domain/permissions";
import { isoUtc } from "@/lib/format";
import { getRequestDetail } from "@/lib/requests/queries";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Request #${(await params).id}` };
}

// One request: where it stands and why (invalidated because the fleet's version changed
// underneath, rejected with the approver's comment, expired), its decisions, its dispatch
// attempts, and the reload's timeline once its events are there.
export default async function RequestPage({ params }: Props) {
  const [request, actor] = await Promise.all([getRequestDetail((await params).id), requireActor()]);
  if (!request) notFound();
  const now = new Date();
  const may = actor && request.status === "pending_approval" ? authorize(actor, "request.approve", { requestedBy: request.requestedBy.id }) : null;
  const groupRefusal = actor && may?.allowed ? approverRefusal(request.policy, request.requestedBy.id, actor) : null;
  return (
    <main className="page">
      <div className="crumbs">
        <Link href="/approvals">Approvals</Link> / #{request.id}
      </div>
      <section className="panel" style={{ padding: "12px 14px", display: "grid", gap: 10 }} data-request-detail={request.id}>
        <RequestHeader request={request} now={now} />
        <RequestFacts request={request} now={now}>
          <dt>Reload</dt>
          <dd>
            <span className="mono">{request.reloadId}</span>{" "}
            {request.reloadKey ? (
              <Link href={`/reloads/${request.reloadKey}`} data-reload-link>
                timeline
              </Link>
            ) : (
              <span className="muted">(its timeline appears once its first event is stored)</span>
            )}
          </dd>
          <dt>Bound to</dt>
          <dd className="mono muted" title="sha256 of service, kind, resource, from, to, scope and targets">
            {request.changeHash.slice(0, 16)}…
          </dd>
        </RequestFacts>
        {request.status === "pending_approval" && actor ? (
          may?.allowed && !groupRefusal ? (
            <DecisionForm requestId={request.id} />
          ) : (
            <p className="muted" data-cannot-decide>
              {request.requestedBy.id === actor.id ? "You asked for this: someone else decides." : `You cannot decide this one: ${may && !may.allowed ? may.reason : groupRefusal}.`}
            </p>
          )
        ) : null}
      </section>
      {request.dispatchAttempts.length > 0 ? (
        <section className="panel" style={{ marginTop: 16 }}>
          <h2>Dispatch attempts</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Stage</th>
                  <th>Attempt</th>
                  <th>Outcome</th>
                  <th>HTTP</th>
                  <th>At</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {request.dispatchAttempts.map((a) => (
                  <tr key={`${a.stage}-${a.attempt}`}>
                    <td>{a.stage}</td>
                    <td>{a.attempt}</td>
                    <td>{a.outcome}</td>
                    <td>{a.httpStatus ?? "—"}</td>
                    <td className="when">{isoUtc(a.startedAt)}</td>
                    <td className="error-text">{a.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </main>
  );
}
