// Sign-in rules (DESIGN.md "Roles", docs/adr/0018), pure: which typed names are refused before any
// database query, and which limit buckets a password attempt is charged to (docs/adr/0018).

/** Longer than any username anyone has; a longer one is refused without a query. */
export const SIGN_IN_NAME_MAX = 200;
/** argon2 hashes whatever it is given; a bound keeps a huge form field from costing much. */
export const SIGN_IN_PASSWORD_MAX = 1024;

/**
 * The audit actor of a failed sign-in whose name no user has. Never the typed text: it may
 * be a password typed into the wrong box, and an alert would carry what a stranger chose.
 */
export const UNKNOWN_USER_ACTOR = "unknown user";

export type SignInNameProblem = "empty" | "too_long" | "control_character" | "invalid_unicode" | "no_letter_or_digit";

/** Why a typed (trimmed) user name cannot be anyone's, or null. Checked before any query, so Postgres never sees NUL or broken text. */
export function signInNameProblem(name: string): SignInNameProblem | null {
  if (name === "") return "empty";
  if (name.length > SIGN_IN_NAME_MAX) return "too_long";
  if (/\p{Cc}/u.test(name)) return "control_character";
  // U+FFFD is what a form body's invalid UTF-8 decodes to; no username contains it.
  if (!name.isWellFormed() || name.includes("\uFFFD")) return "invalid_unicode";
  if (!/[\p{L}\p{N}]/u.test(name)) return "no_letter_or_digit";
  return null;
}

// One address may fail this many times more over all names than for one name (someone who
// mistypes their own name a few times), and one name this many times more over all
// addresses. Failures refused by a stricter bucket are never charged to the others, so one
// address adds at most maxFailures to a name's count per window: locking a user out from
// everywhere takes NAME_FACTOR addresses, not one.
export const ADDRESS_FACTOR = 4;
export const NAME_FACTOR = 20;

export type SignInBucket = "address" | "name_address" | "name";

export interface SignInBucketPlan {
  bucket: SignInBucket;
  key: string;
  maxFailures: number;
}

/**
 * The buckets an attempt is checked against and its failure charged to. `nameKey` is a keyed
 * hash of the name (memory never keeps typed text), null for a name refused as malformed.
 * `address` is null when no proxy is trusted: every caller then looks alike, and a bucket
 * for all of them would let one stranger lock everyone out, so only the generous per-name
 * bucket applies.
 */
export function signInBuckets(args: {
  nameKey: string | null;
  address: string | null;
  maxFailures: number;
}): SignInBucketPlan[] {
  const { nameKey, address, maxFailures } = args;
  const known = address !== null;
  const plan: SignInBucketPlan[] = [];
  if (known) plan.push({ bucket: "address", key: address, maxFailures: maxFailures * ADDRESS_FACTOR });
  if (nameKey !== null) {
    if (known) plan.push({ bucket: "name_address", key: `${nameKey}|${address}`, maxFailures });
    plan.push({ bucket: "name", key: nameKey, maxFailures: maxFailures * NAME_FACTOR });
  }
  return plan;
}

/** The `?error=` code of a refused attempt; the sign-in page turns it into "Try again in N s". */
export function tooManyAttemptsCode(retryAfterSeconds: number): string {
  return `TooManyAttempts:${Math.max(1, Math.ceil(retryAfterSeconds))}`;
}
