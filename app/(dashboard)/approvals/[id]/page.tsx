import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { decisionSummary, RequestFacts, RequestHeader } from "@/components/approvals/approval-queue";
import { ChangeWarning, PreflightRows, PreflightSummary } from "@/components/approvals/change-preflight";
import { DataTable } from "@/components/data-table";
import styles from "@/components/requests/requests.module.css";
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
// underneath, rejected with the approver's comment, expired), everything the queue's card
// shows (the warning, the pre-flight now, the drift, the policy and decisions), what the
// approvals are bound to in words, its dispatch attempts, and the reload's timeline.
export default async function RequestPage({ params }: Props) {
  const now = new Date();
  const [request, actor] = await Promise.all([getRequestDetail((await params).id, now), requireActor()]);
  if (!request) notFound();
  const may =
    actor && request.status === "pending_approval"
      ? authorize(actor, "request.approve", { requestedBy: request.requestedBy.id })
      : null;
  const groupRefusal = actor && may?.allowed ? approverRefusal(request.policy, request.requestedBy.id, actor) : null;
  return (
    <main className="page">
      <div className="crumbs">
        <Link href="/approvals">Approvals</Link> / #{request.id}
      </div>
      <section
        className="panel"
        style={{ padding: "12px 14px", display: "grid", gap: 10 }}
        data-request-detail={request.id}
      >
        <RequestHeader request={request} now={now} />
        <ChangeWarning preview={request.preview} />
        <RequestFacts request={request} now={now} fleet={request}>
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
          <dt>Approvals hold for</dt>
          <dd data-bound-to>
            this exact change: {request.kind}/{request.resource} from{" "}
            <span className="mono">{request.fromVersion ?? "?"}</span> to{" "}
            <span className="mono">{request.toVersion}</span> on the {request.targets} instance
            {request.targets === 1 ? "" : "s"} listed below. If the fleet moves to another version or those instances
            change before it is sent, the request is invalidated and approvals no longer count.
            <details className={styles.preflight}>
              <summary>Fingerprint of the change</summary>
              <span className="mono muted" data-change-hash>
                {request.changeHash}
              </span>{" "}
              <span className="muted">
                (SHA-256 of the service, resource, from and to versions, scope and instances; the dispatcher checks it
                again before sending)
              </span>
            </details>
          </dd>
        </RequestFacts>
        <section aria-label="Pre-flight" data-preflight-open>
          <h2 style={{ fontSize: 14, margin: "4px 0" }}>
            Pre-flight now: <PreflightSummary preview={request.preview} />
          </h2>
          <PreflightRows preview={request.preview} />
        </section>
        {request.status === "pending_approval" && actor ? (
          may?.allowed && !groupRefusal ? (
            <DecisionForm requestId={request.id} summary={decisionSummary(request)} />
          ) : (
            <p className="muted" data-cannot-decide>
              {request.requestedBy.id === actor.id
                ? "You asked for this: someone else decides."
                : `You cannot decide this one: ${may && !may.allowed ? may.reason : groupRefusal}.`}
            </p>
          )
        ) : null}
      </section>
      {request.dispatchAttempts.length > 0 ? (
        <section className="panel" style={{ marginTop: 16 }}>
          <h2>Dispatch attempts</h2>
          <DataTable columns={["Stage", "Attempt", "Outcome", "HTTP", "At", "Error"]}>
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
          </DataTable>
        </section>
      ) : null}
    </main>
  );
}
