"use client";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import styles from "@/components/requests/requests.module.css";
import { approveRequest } from "@/lib/approvals/actions/approve-request";
import { rejectRequest } from "@/lib/approvals/actions/reject-request";
import type { ActionResult } from "@/lib/auth/define-action";
import type { DecisionResult } from "@/lib/approvals/decide-request";

// Approve or reject one request, with a comment (required to reject: the requester reads
// why). A decision is not taken back, so each is asked twice: the first click names the
// change again ("approve reload … v1 → v2, 4 instances would move") and the second decides.
// The server decides whether this person may (role, own request, the policy's group) and
// whether the change still holds; its refusal is shown here.

type Decision = "approve" | "reject";

export function DecisionForm({ requestId, summary }: { requestId: string; summary: string }) {
  const [comment, setComment] = useState("");
  const [result, setResult] = useState<ActionResult<DecisionResult> | null>(null);
  const [pending, startTransition] = useTransition();
  const [asking, setAsking] = useState<Decision | null>(null);
  const router = useRouter();
  const decide = (decision: Decision) => {
    startTransition(async () => {
      const input = { requestId, comment };
      const answer = decision === "approve" ? await approveRequest(input) : await rejectRequest(input);
      setResult(answer);
      setAsking(null);
      if (answer.ok || answer.code === "conflict") router.refresh();
    });
  };
  const ask = (decision: Decision) => {
    setResult(null);
    setAsking(decision);
  };
  const commentErrors = result && !result.ok ? (result.fieldErrors?.comment ?? []) : [];
  return (
    <div className={styles.decide} data-decision-form={requestId}>
      <textarea
        name="comment"
        rows={1}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        placeholder="Comment (required to reject)"
        aria-label="Comment"
        aria-invalid={commentErrors.length > 0 || undefined}
        aria-describedby={commentErrors.length > 0 ? `comment-error-${requestId}` : undefined}
      />
      {asking === null ? (
        <>
          <button type="button" disabled={pending} onClick={() => ask("approve")} data-approve={requestId}>
            Approve…
          </button>
          <button
            type="button"
            className="secondary"
            disabled={pending}
            onClick={() => ask("reject")}
            data-reject={requestId}
          >
            Reject…
          </button>
        </>
      ) : (
        <div
          className={styles.confirm}
          role="group"
          aria-label={asking === "approve" ? "Confirm the approval" : "Confirm the rejection"}
          data-confirm={asking}
        >
          <span>
            {asking === "approve" ? "Approve" : "Reject"} request #{requestId}: {summary}
            {comment.trim() ? (
              <>, with the comment “{comment.trim()}”</>
            ) : asking === "reject" ? (
              <span className="error-text"> (a rejection needs a comment)</span>
            ) : null}
            ?
          </span>
          <button
            type="button"
            className={asking === "reject" ? "secondary" : undefined}
            disabled={pending}
            aria-busy={pending}
            onClick={() => decide(asking)}
            data-confirm-decision={asking}
          >
            {pending
              ? asking === "approve"
                ? "Approving…"
                : "Rejecting…"
              : asking === "approve"
                ? "Yes, approve"
                : "Yes, reject"}
          </button>
          <button type="button" className="secondary" disabled={pending} onClick={() => setAsking(null)}>
            Cancel
          </button>
        </div>
      )}
      {commentErrors.length > 0 ? (
        <span className="error-text" id={`comment-error-${requestId}`} role="alert" data-field-error="comment">
          {commentErrors.join(" ")}
        </span>
      ) : null}
      {result && !result.ok && commentErrors.length === 0 ? (
        <span className="error-text" role="alert" data-action-error={result.code}>
          {result.error}
        </span>
      ) : null}
      {result?.ok ? (
        <span role="status" className="muted" data-decided={result.data.decision}>
          {result.data.decision === "approved" ? "Approved" : "Rejected"}
          {result.data.statusReason ? ` — ${result.data.statusReason}` : ""}.
        </span>
      ) : null}
    </div>
  );
}
