// The run's count checks: every figure the bench can count exactly (events accepted and stored
// by phase, read-model rows, matrix content) must add up. A timing miss is a finding; a count
// that does not add up is a broken run, and the bench exits non-zero (the CI smoke relies on it).
import { log } from "./log";

export interface CountCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export const countChecks: CountCheck[] = [];

export function checkCount(name: string, ok: boolean, detail: string): boolean {
  countChecks.push({ name, ok, detail });
  if (!ok) log(`COUNT CHECK FAILED: ${name}: ${detail}`);
  return ok;
}

export function failedChecks(): CountCheck[] {
  return countChecks.filter((c) => !c.ok);
}
