// Silences: a silence matches an alert when every field it sets (rule, service, fingerprint)
// matches; while active (before expires_at, not ended) a matched alert keeps its state but is
// not delivered, and shows as silenced. Pure.
import type { RuleId } from "./types";

export interface Silence {
  id: string;
  rule: string | null;
  serviceId: number | null;
  fingerprint: string | null;
  comment: string;
  createdBy: number | null;
  createdAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
}

export interface SilenceTarget {
  rule: RuleId | string;
  serviceId: number | null;
  fingerprint: string;
}

/** The durations the silence form offers. */
export const SILENCE_PRESETS = {
  "1h": 3_600_000,
  "4h": 4 * 3_600_000,
  "24h": 24 * 3_600_000,
  "7d": 7 * 24 * 3_600_000,
} as const;
export type SilencePreset = keyof typeof SILENCE_PRESETS;

export function silenceExpiry(preset: SilencePreset, now: Date): Date {
  return new Date(now.getTime() + SILENCE_PRESETS[preset]);
}

export function isSilenceActive(s: Pick<Silence, "expiresAt" | "endedAt">, now: Date): boolean {
  return s.expiresAt.getTime() > now.getTime() && (s.endedAt === null || s.endedAt.getTime() > now.getTime());
}

/** A silence that sets nothing would silence everything: the action refuses to create one. */
export function silenceMatches(s: Pick<Silence, "rule" | "serviceId" | "fingerprint">, alert: SilenceTarget): boolean {
  if (s.rule === null && s.serviceId === null && s.fingerprint === null) return false;
  return (
    (s.rule === null || s.rule === alert.rule) &&
    (s.serviceId === null || s.serviceId === alert.serviceId) &&
    (s.fingerprint === null || s.fingerprint === alert.fingerprint)
  );
}

/** The active silence that matches the alert and lasts longest, or null. */
export function activeSilenceFor<
  S extends Pick<Silence, "rule" | "serviceId" | "fingerprint" | "expiresAt" | "endedAt">,
>(silences: readonly S[], alert: SilenceTarget, now: Date): S | null {
  let best: S | null = null;
  for (const s of silences) {
    if (!isSilenceActive(s, now) || !silenceMatches(s, alert)) continue;
    if (!best || s.expiresAt > best.expiresAt) best = s;
  }
  return best;
}
