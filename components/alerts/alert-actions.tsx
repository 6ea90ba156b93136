"use client";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { acknowledgeAlert } from "@/lib/alerts/actions/acknowledge-alert";
import { silenceAlert } from "@/lib/alerts/actions/silence-alert";
import type { ActionResult } from "@/lib/auth/define-action";
import styles from "./alerts.module.css";

// Acknowledge and Silence for one alert. Shown only to roles that may (a courtesy: the
// server actions check the role, and refuse a viewer's forged call, with an audit entry).

const DURATIONS = [
  ["1h", "1 hour"],
  ["4h", "4 hours"],
  ["24h", "24 hours"],
  ["7d", "7 days"],
] as const;

interface Props {
  alertId: string;
  state: "firing" | "acknowledged" | "resolved";
  canAcknowledge: boolean;
  canSilence: boolean;
  silenced: boolean;
  hasService: boolean;
}

export function AlertActions({ alertId, state, canAcknowledge, canSilence, silenced, hasService }: Props) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [ackResult, setAckResult] = useState<ActionResult<{ changed: boolean }> | null>(null);
  const [silenceResult, setSilenceResult] = useState<ActionResult<{ expiresAt: string }> | null>(null);
  const [silencing, setSilencing] = useState(false);
  const [duration, setDuration] = useState<(typeof DURATIONS)[number][0]>("4h");
  const [scope, setScope] = useState<"alert" | "rule_service" | "rule">("alert");
  const [comment, setComment] = useState("");

  if (state === "resolved") return null;

  const acknowledge = () =>
    startTransition(async () => {
      const answer = await acknowledgeAlert({ alertId });
      setAckResult(answer);
      if (answer.ok || answer.code === "conflict") router.refresh();
    });
  const silence = () =>
    startTransition(async () => {
      const answer = await silenceAlert({ alertId, duration, scope, comment });
      setSilenceResult(answer);
      if (answer.ok) {
        setSilencing(false);
        setComment("");
        router.refresh();
      }
    });
  const fieldErrors = silenceResult && !silenceResult.ok ? (silenceResult.fieldErrors ?? {}) : {};
  const errorOf = (field: string) => fieldErrors[field]?.join(" ");

  return (
    <div className={styles.actions} data-alert-actions={alertId}>
      {canAcknowledge && state === "firing" ? (
        <button type="button" disabled={pending} onClick={acknowledge} data-acknowledge={alertId}>
          {pending && !silencing ? "Acknowledging…" : "Acknowledge"}
        </button>
      ) : null}
      {canSilence && !silenced && !silencing ? (
        <button
          type="button"
          className="secondary"
          disabled={pending}
          onClick={() => setSilencing(true)}
          data-silence={alertId}
        >
          Silence…
        </button>
      ) : null}
      {ackResult && !ackResult.ok ? (
        <span className="error-text" role="alert" data-action-error={ackResult.code}>
          {ackResult.error}
        </span>
      ) : null}
      {silencing ? (
        <form
          className={styles.silence}
          onSubmit={(e) => {
            e.preventDefault();
            silence();
          }}
          data-silence-form={alertId}
        >
          <label>
            For
            <select value={duration} onChange={(e) => setDuration(e.target.value as typeof duration)} name="duration">
              {DURATIONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            What
            <select value={scope} onChange={(e) => setScope(e.target.value as typeof scope)} name="scope">
              <option value="alert">this alert</option>
              {hasService ? <option value="rule_service">this rule on this service</option> : null}
              <option value="rule">this rule everywhere</option>
            </select>
          </label>
          <label className={styles.grow}>
            Why
            <input
              name="comment"
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              placeholder="known issue, fix rolling out"
              aria-invalid={errorOf("comment") ? true : undefined}
              aria-required
            />
            {errorOf("comment") ? (
              <span className="error-text" role="alert" data-field-error="comment">
                {errorOf("comment")}
              </span>
            ) : null}
          </label>
          <button type="submit" disabled={pending}>
            {pending ? "Silencing…" : "Silence"}
          </button>
          <button type="button" className="secondary" disabled={pending} onClick={() => setSilencing(false)}>
            Cancel
          </button>
          {silenceResult && !silenceResult.ok && Object.keys(fieldErrors).length === 0 ? (
            <span className="error-text" role="alert" data-action-error={silenceResult.code}>
              {silenceResult.error}
            </span>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}
