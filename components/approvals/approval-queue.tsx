import Link from "next/link";
import styles from "@/components/requests/requests.module.css";
import { describeScope } from "@/lib/domain/canary";
import { isoUtc, relativeTime, serviceLabel, versionChange } from "@/lib/format";
import type { QueueItem, RequestSummary } from "@/lib/requests/queries";
import { DecisionForm } from "./decision-form";
import { RequestStatusBadge } from "./request-status-badge";

// The approvals queue (issue 7 §4): for each waiting request, what it changes (from → to,
// which instances, the resource's drift now), who asked and why, the decisions so far and
// what the policy needs; approve/reject for those who may decide, and "you asked for this"
// on one's own.

export function ApprovalQueue({ items, now }: { items: QueueItem[]; now: Date }) {
  if (items.length === 0) {
    return (
      <div className="panel empty" data-queue-empty>
        Nothing waits for a decision. Requests made on a service or reload page appear here.
      </div>
    );
  }
  return (
    <div className={styles.queue}>
      {items.map((item) => (
        <article key={item.id} className={`panel ${styles.item}`} data-request={item.id} aria-label={`Request ${item.id}`}>
          <RequestHeader request={item} now={now} />
          <RequestFacts request={item} now={now}>
            <dt>Drift now</dt>
            <dd data-drift={item.drift.drifting}>
              {item.drift.drifting ? (
                <span className="error-text">
                  drifting: {item.drift.offDesired} of {item.drift.livePairs} off desired, {item.drift.versionCount} versions running
                </span>
              ) : (
                `none (${item.drift.livePairs} live, ${item.drift.versionCount} version${item.drift.versionCount === 1 ? "" : "s"})`
              )}
            </dd>
          </RequestFacts>
          {item.decidable.allowed ? (
            <DecisionForm requestId={item.id} />
          ) : item.decidable.own ? (
            <p className={styles.own} data-own-request>
              You asked for this: someone else decides.
            </p>
          ) : (
            <p className={styles.own} data-cannot-decide>
              You cannot decide this one: {item.decidable.reason}.
            </p>
          )}
        </article>
      ))}
    </div>
  );
}

export function RequestHeader({ request, now }: { request: RequestSummary; now: Date }) {
  return (
    <div className={styles.itemHead}>
      <strong>
        <Link href={`/approvals/${request.id}`}>
          #{request.id} {request.action === "rollback" ? "Rollback" : "Reload"} of {request.kind}/{request.resource}
        </Link>{" "}
        on <Link href={`/services/${request.service.id}`}>{serviceLabel(request.service)}</Link>
      </strong>
      <span>
        <RequestStatusBadge status={request.status} />{" "}
        <span className="when" title={isoUtc(request.requestedAt)}>
          asked {relativeTime(request.requestedAt, now)}
        </span>
      </span>
    </div>
  );
}

export function RequestFacts({ request, now, children }: { request: RequestSummary; now: Date; children?: React.ReactNode }) {
  const approvals = request.decisions.filter((d) => d.decision === "approved");
  return (
    <dl className={styles.facts}>
      <dt>Change</dt>
      <dd className="mono" data-change>
        {versionChange(request.fromVersion, request.toVersion)}
      </dd>
      <dt>Instances</dt>
      <dd>
        {request.targets} — {describeScope(request.scope)}
        {request.canary.length > 0 ? (
          <span className="muted">
            {" "}
            (canary: <span className="mono">{request.canary.slice(0, 5).join(", ")}</span>
            {request.canary.length > 5 ? ` and ${request.canary.length - 5} more` : ""})
          </span>
        ) : null}
      </dd>
      {children}
      <dt>Asked by</dt>
      <dd>
        <b>{request.requestedBy.username}</b>: {request.reason}
      </dd>
      <dt>Approvals</dt>
      <dd data-approvals={approvals.length}>
        {approvals.length} of {request.policy.required}
        {request.policy.group ? ` from the group ${request.policy.group}` : ""}
        {request.decisions.length > 0
          ? ` — ${request.decisions.map((d) => `${d.approver} ${d.decision}${d.comment ? ` (“${d.comment}”)` : ""}`).join("; ")}`
          : ""}
      </dd>
      {request.status === "pending_approval" ? (
        <>
          <dt>Expires</dt>
          <dd title={isoUtc(request.expiresAt)}>{relativeTime(request.expiresAt, now)}</dd>
        </>
      ) : null}
      {request.statusReason ? (
        <>
          <dt>Status</dt>
          <dd data-status-reason>{request.statusReason}</dd>
        </>
      ) : null}
    </dl>
  );
}
