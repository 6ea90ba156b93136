// Regression after a reload, from stored OTLP spans: the service's p95 span duration or
// error ratio in the window after a completed reload against the same-length window before
// it started. Needs minSpans on both sides; the alert shows both numbers. Pure.
import type { RuleParams } from "./rules";
import { fingerprint, serviceLabels, serviceName, type AlertCondition, type ServiceRef } from "./types";

export interface SpanWindow {
  spans: number;
  p95Ms: number;
  errors: number;
}

export interface ReloadSpanComparison {
  reloadKey: string;
  reloadId: string;
  service: ServiceRef;
  kind: string;
  resource: string;
  toVersion: string | null;
  completedAt: Date;
  before: SpanWindow;
  after: SpanWindow;
}

/**
 * An error ratio below this is noise: without a floor, one error after a reload with none
 * before is "infinitely worse".
 */
export const ERROR_RATIO_FLOOR = 0.01;

export const regressionFingerprint = (reloadKey: string) => fingerprint("regression", reloadKey);

const ratio = (w: SpanWindow) => (w.spans > 0 ? w.errors / w.spans : 0);

export interface RegressionVerdict {
  latency: boolean;
  errors: boolean;
}

export function judgeRegression(
  c: Pick<ReloadSpanComparison, "before" | "after">,
  params: Pick<RuleParams<"regression">, "factor" | "minSpans">,
): RegressionVerdict {
  if (c.before.spans < params.minSpans || c.after.spans < params.minSpans) return { latency: false, errors: false };
  return {
    latency: c.before.p95Ms > 0 && c.after.p95Ms > params.factor * c.before.p95Ms,
    errors: ratio(c.after) > params.factor * Math.max(ratio(c.before), ERROR_RATIO_FLOOR),
  };
}

export function regressionConditions(rows: ReloadSpanComparison[], params: RuleParams<"regression">): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const c of rows) {
    const verdict = judgeRegression(c, params);
    if (!verdict.latency && !verdict.errors) continue;
    const parts: string[] = [];
    if (verdict.latency) parts.push(`p95 ${fmtMs(c.before.p95Ms)} → ${fmtMs(c.after.p95Ms)}`);
    if (verdict.errors) parts.push(`errors ${pct(ratio(c.before))} → ${pct(ratio(c.after))}`);
    out.push({
      rule: "regression",
      fingerprint: regressionFingerprint(c.reloadKey),
      serviceId: c.service.id,
      kind: c.kind,
      resource: c.resource,
      reloadKey: c.reloadKey,
      summary: `${serviceName(c.service)} after reload ${c.reloadId} (${c.kind}/${c.resource}${c.toVersion ? ` ${c.toVersion}` : ""}): ${parts.join(", ")}`,
      details: {
        reloadId: c.reloadId,
        windowMinutes: params.windowMinutes,
        factor: params.factor,
        latency: verdict.latency,
        errors: verdict.errors,
        before: { spans: c.before.spans, p95Ms: round(c.before.p95Ms), errorRatio: round(ratio(c.before), 4) },
        after: { spans: c.after.spans, p95Ms: round(c.after.p95Ms), errorRatio: round(ratio(c.after), 4) },
      },
      labels: { ...serviceLabels(c.service), kind: c.kind, resource: c.resource, reload_id: c.reloadId },
      link: `/reloads/${c.reloadKey}`,
    });
  }
  return out;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const fmtMs = (ms: number) => (ms >= 1000 ? `${round(ms / 1000, 2)} s` : `${round(ms)} ms`);
const pct = (r: number) => `${round(100 * r, 1)}%`;
