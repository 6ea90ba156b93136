"use client";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import styles from "@/components/requests/requests.module.css";
import { approveRequest } from "@/lib/approvals/actions/approve-request";
import { rejectRequest } from "@/lib/approvals/actions/reject-request";
import type { ActionResult } from "@/lib/auth/define-action";
import type { DecisionResult } from "@/lib/approvals/decide-request";

// Approve or reject one request, with a comment (required to reject: the requester reads
// why). The server decides whether this person may (role, own request, the policy's group)
// and whether the change still holds; its refusal is shown here.

export function DecisionForm({ requestId }: { requestId: string }) {
  const [comment, setComment] = useState("");
  const [result, setResult] = useState<ActionResult<DecisionResult> | null>(null);
  const [pending, startTransition] = useTransition();
  const [which, setWhich] = useState<"approve" | "reject" | null>(null);
  const router = useRouter();
  const decide = (decision: "approve" | "reject") => {
    setWhich(decision);
    startTransition(async () => {
      const input = { requestId, comment };
      const answer = decision === "approve" ? await approveRequest(input) : await rejectRequest(input);
      setResult(answer);
      if (answer.ok || answer.code === "conflict") router.refresh();
    });
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
      <button type="button" disabled={pending} aria-busy={pending && which === "approve"} onClick={() => decide("approve")} data-approve={requestId}>
        {pending && which === "approve" ? "Approving…" : "Approve"}
      </button>
      <button type="button" className="secondary" disabled={pending} aria-busy={pending && which === "reject"} onClick={() => decide("reject")} data-reject={requestId}>
        {pending && which === "reject" ? "Rejecting…" : "Reject"}
      </button>
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
        <span role="status" className="muted">
          {result.data.decision === "approved" ? "Approved" : "Rejected"}
          {result.data.statusReason ? ` — ${result.data.statusReason}` : ""}.
        </span>
      ) : null}
    </div>
  );
}
