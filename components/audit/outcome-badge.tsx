import { CheckIcon, CrossIcon, DotIcon, WarnIcon } from "@/components/icons";
import type { AuditOutcome } from "@/lib/audit-chain/audit-log";

const STYLE: Record<AuditOutcome, string> = { allowed: "ok", denied: "bad", invalid: "drift", failed: "neutral" };
// An inline SVG beside the word: the "⛔" glyph rendered as an empty box where fonts lack it.
const ICON = {
  allowed: <CheckIcon />,
  denied: <CrossIcon />,
  invalid: <WarnIcon />,
  failed: <DotIcon />,
} satisfies Record<AuditOutcome, unknown>;

/** allowed / denied / invalid / failed; denied is the loud one, as it is the unauthorized-attempt signal. */
export function OutcomeBadge({ outcome }: { outcome: AuditOutcome }) {
  return (
    <span className={`badge ${STYLE[outcome] ?? "neutral"}`} data-outcome={outcome}>
      {ICON[outcome] ?? null}
      {outcome}
    </span>
  );
}
