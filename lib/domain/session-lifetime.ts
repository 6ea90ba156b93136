// The absolute session lifetime (DESIGN.md "Roles", docs/adr/0012): a session counts from its sign-in, whatever
// renewed its cookie since. next-auth re-signs the JWT (new iat and exp) at every session read,
// so only the `signedInAt` claim, set once at sign-in, can tell how old a session is.

/** Clock skew between replicas tolerated for a sign-in time that lies ahead of this one's clock. */
const FUTURE_SKEW_SECONDS = 5 * 60;

/**
 * Whether a session signed in at `signedInAt` (the claim: seconds since the epoch) is still
 * within `maxAgeHours` at `nowMs`. A missing or malformed claim is no session.
 */
export function sessionWithinLifetime(signedInAt: unknown, nowMs: number, maxAgeHours: number): boolean {
  if (typeof signedInAt !== "number" || !Number.isFinite(signedInAt)) return false;
  const now = nowMs / 1000;
  return signedInAt <= now + FUTURE_SKEW_SECONDS && now - signedInAt < maxAgeHours * 3600;
}
