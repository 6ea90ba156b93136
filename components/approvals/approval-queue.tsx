import Link from "next/link";
import styles from "@/components/requests/requests.module.css";
import { describeScope } from "@/lib/domain/canary";
import { isoUtc, relativeTime, serviceLabel, versionChange } from "@/lib/format";
import type { FleetNow, QueueItem, RequestSummary } from "@/lib/requests/queries";
import { ChangeWarning, PreflightRows, PreflightSummary, ReportedOn } from "./change-preflight";
import { DecisionForm } from "./decision-form";
import { RequestStatusBadge } from "./request-status-badge";

// The approvals queue (the approver's job, DESIGN.md; docs/adr/0015): for each waiting request, what it changes (from →
// to, a warning when the target was never reported, the operator's pre-flight read again now,
// the resource's drift), who asked and why, the policy and the decisions so far; approve or
// reject (each confirmed) for those who may decide, and "you asked for this" on one's own.

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
        <article
          key={item.id}
          className={`panel ${styles.item}`}
          data-request={item.id}
          aria-label={`Request ${item.id}`}
        >
          <RequestHeader request={item} now={now} />
          <ChangeWarning preview={item.preview} />
          <RequestFacts request={item} now={now} fleet={item} />
          <details className={styles.preflight} data-preflight-fold>
            <summary>
              Pre-flight: <PreflightSummary preview={item.preview} />
            </summary>
            <PreflightRows preview={item.preview} moreHref={`/approvals/${item.id}`} />
          </details>
          {item.decidable.allowed ? (
            <DecisionForm requestId={item.id} summary={decisionSummary(item)} />
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

/** What the confirmation repeats: the change and its reach, in one line. */
export function decisionSummary(request: RequestSummary & FleetNow): string {
  const p = request.preview.preflight;
  const unconfirmed = p.movingUnconfirmed > 0 ? ` (${p.movingUnconfirmed} never ran it)` : "";
  const first = request.preview.neverReported ? `; ${request.toVersion} was never reported anywhere` : "";
  return `${request.action === "rollback" ? "roll back" : "reload"} ${request.kind}/${request.resource} on ${serviceLabel(request.service)}: ${versionChange(request.fromVersion, request.toVersion)}, ${p.moving} instance${p.moving === 1 ? "" : "s"} would move${unconfirmed}${first}`;
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

/** The policy in words: how many, from whom, never the requester. */
export function policyText(policy: RequestSummary["policy"]): string {
  if (policy.required === 0) return "no approval needed: sent as soon as requested";
  const who = policy.group ? `members of the group ${policy.group}` : "approvers or admins";
  return `${policy.required} approval${policy.required === 1 ? "" : "s"} from ${who}, never the requester; one rejection ends it`;
}

export function RequestFacts({
  request,
  now,
  fleet,
  children,
}: {
  request: RequestSummary;
  now: Date;
  fleet?: FleetNow;
  children?: React.ReactNode;
}) {
  const approvals = request.decisions.filter((d) => d.decision === "approved");
  return (
    <dl className={styles.facts}>
      <dt>Change</dt>
      <dd className="mono" data-change>
        {versionChange(request.fromVersion, request.toVersion)}
      </dd>
      {fleet ? (
        <>
          <dt>{request.toVersion} ran on</dt>
          <dd>
            <ReportedOn preview={fleet.preview} />
          </dd>
        </>
      ) : null}
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
      {fleet ? (
        <>
          <dt>Drift now</dt>
          <dd data-drift={fleet.drift.drifting}>
            {fleet.drift.drifting ? (
              <span className="error-text">
                drifting: {fleet.drift.offDesired} of {fleet.drift.livePairs} off desired, {fleet.drift.versionCount}{" "}
                versions running
              </span>
            ) : (
              `none (${fleet.drift.livePairs} live, ${fleet.drift.versionCount} version${fleet.drift.versionCount === 1 ? "" : "s"})`
            )}
          </dd>
        </>
      ) : null}
      {children}
      <dt>Asked by</dt>
      <dd>
        <b>{request.requestedBy.username}</b>: {request.reason}
      </dd>
      <dt>Policy</dt>
      <dd data-policy>{policyText(request.policy)}</dd>
      <dt>Approvals</dt>
      <dd>
        <span data-approvals={approvals.length}>
          {approvals.length} of {request.policy.required}
        </span>
        {request.decisions.length > 0 ? (
          <ul className={styles.decisions} data-decisions>
            {request.decisions.map((d) => (
              <li key={`${d.approverId}-${d.decidedAt.toISOString()}`} data-decision={d.decision}>
                <b>{d.approver}</b> {d.decision}{" "}
                <span className="when" title={isoUtc(d.decidedAt)}>
                  {relativeTime(d.decidedAt, now)}
                </span>
                {d.comment ? <>: “{d.comment}”</> : null}
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted"> · nobody has decided yet</span>
        )}
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
