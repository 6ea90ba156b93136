import type { AuditOutcome } from "@/lib/audit/audit-log";

const STYLE: Record<AuditOutcome, string> = { allowed: "ok", denied: "bad", invalid: "drift", failed: "neutral" };

/** allowed / denied / invalid / failed; denied is the loud one, as it is the unauthorized-attempt signal. */
export function OutcomeBadge({ outcome }: { outcome: AuditOutcome }) {
  return (
    <span className={`badge ${STYLE[outcome] ?? "neutral"}`} data-outcome={outcome}>
      {outcome === "denied" ? "⛔ denied" : outcome}
    </span>
  );
}
