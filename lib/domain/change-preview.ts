// What an approver sees of a requested change before deciding (the approver's job, DESIGN.md): the pre-flight
// the operator saw (which instances in scope would move, the version each runs now, which of
// them never ran the target), and whether the target version was ever reported anywhere. A
// version no instance of any service has reported is a first rollout, or a typo: the approver
// is told so in words, not left to infer it from "t-32 → t-33".
import { rollbackPreflight, type Preflight, type PreflightTarget } from "./rollback";

export interface ReportedOn {
  /** "prod / payments / checkout-api" */
  service: string;
  serviceId: number;
}

export interface ChangePreview {
  toVersion: string;
  /** the instances in scope, movers first; `rows` holds at most `shown` of `total` */
  preflight: Preflight;
  shown: number;
  total: number;
  /** services where some instance runs the target version now or once acked it */
  reportedOn: ReportedOn[];
  neverReported: boolean;
  /** the one sentence to put in front of the approver, or null when nothing calls for care */
  warning: string | null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `targets`: the instances the request is bound to, with the version each runs now (null when
 * it no longer reports the resource); `ranOn`: those of them that ever ran `toVersion`
 * (acked, applied or reported it by heartbeat).
 */
export function changePreview(
  toVersion: string,
  targets: readonly PreflightTarget[],
  ranOn: ReadonlySet<string>,
  reportedOn: readonly ReportedOn[],
  rowLimit = Number.POSITIVE_INFINITY,
): ChangePreview {
  const full = rollbackPreflight(toVersion, targets, ranOn);
  const neverReported = reportedOn.length === 0;
  const warning = neverReported
    ? `${toVersion} was never reported by any instance of any service: this would be its first rollout, so nothing shows it runs.`
    : full.movingUnconfirmed > 0
      ? `${plural(full.movingUnconfirmed, "instance")} of the ${full.moving} that would move never ran ${toVersion}.`
      : null;
  const shown = Math.min(full.rows.length, rowLimit);
  return {
    toVersion,
    preflight: { ...full, rows: full.rows.slice(0, shown) },
    shown,
    total: full.rows.length,
    reportedOn: [...reportedOn],
    neverReported,
    warning,
  };
}
