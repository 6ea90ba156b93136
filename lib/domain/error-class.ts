// What kind of error an instance reported, so the diagnosis advises checks that fit it: a
// credentials error was being told "does the build expect the schema version?". One
// classifier, by ordered rules over the message (the first class whose words match wins,
// credentials first: "401 … invalid token" is about access even when it says "invalid"). Pure.

export type ErrorClass = "credentials" | "timeout" | "connection" | "resources" | "schema" | "parse" | "other";

const RULES: readonly [ErrorClass, RegExp][] = [
  [
    "credentials",
    /\b(401|403|unauthori[sz]ed|forbidden|permission denied|access denied|not authori[sz]ed|authentication|auth(?:entication)? failed|credentials?|invalid (?:auth|access|bearer|api) ?(?:token|key)|(?:token|credentials?|password) (?:expired|invalid|rejected|revoked)|expired token|signature (?:invalid|mismatch|verification failed)|x509|certificate (?:signed by unknown|has expired|is not valid|verify failed)|tls: bad certificate)\b/i,
  ],
  ["timeout", /\b(time[d-]?\s?out|timeout|deadline exceeded|took too long)\b/i],
  [
    "connection",
    /\b(connection (?:refused|reset|closed)|no such host|dial tcp|unreachable|name resolution|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|broken pipe)\b/i,
  ],
  [
    "resources",
    /\b(out of memory|oom|no space left|disk full|too many open files|resource exhausted|quota exceeded|cannot allocate)\b/i,
  ],
  [
    "schema",
    /\b(schema|unknown (?:field|key|property)|missing (?:required )?(?:field|key|property)|required (?:field|property)|is required|expects? (?:an? )?(?:integer|string|number|boolean|array|object)|type mismatch|validation (?:failed|error)|invalid value|unsupported version|version mismatch)\b/i,
  ],
  [
    "parse",
    /\b(parse|parsing|syntax|syntaxerror|invalid token|unexpected eof|unexpected (?:token|character|end)|invalid character|malformed|unmarshal|decode|yaml|json|toml|mapping values|cannot (?:read|load) (?:file|payload))\b/i,
  ],
];

export function classifyError(message: string | null): ErrorClass | null {
  if (!message) return null;
  for (const [errorClass, pattern] of RULES) if (pattern.test(message)) return errorClass;
  return "other";
}

/** What to check for each class of error; "other" falls back to where the target stopped. */
export const ERROR_CLASS_CHECKS: Record<Exclude<ErrorClass, "other">, { cause: string; checks: string[] }> = {
  credentials: {
    cause: "credentials or access",
    checks: [
      "Is the credential the instance fetches the new version with (token, key, certificate) valid and unexpired?",
      "Was it rotated or revoked recently? Compare with the instances that acked.",
      "Does its identity have read access to this resource's new location?",
    ],
  },
  timeout: {
    cause: "timeout",
    checks: [
      "Was the source of the new version slow or overloaded at that time?",
      "Is the new version much larger than the last (download or apply time)?",
      "Does the instance's reload timeout fit the new version's size?",
    ],
  },
  connection: {
    cause: "connection",
    checks: [
      "Can the instance reach the source of the new version (DNS, firewall, proxy)?",
      "Was the source up at that time? Compare with the instances that acked.",
    ],
  },
  resources: {
    cause: "out of resources",
    checks: [
      "Check the instance's memory and disk around the failure: staging keeps two versions at once.",
      "Does the new version need more than the instance's limits allow?",
    ],
  },
  schema: {
    cause: "schema mismatch",
    checks: [
      "Does the instance's build expect the schema version of this payload?",
      "Did the instances that acked run a newer build? Compare their versions of the code.",
      "Validate the new version against the schema the instance ships with.",
    ],
  },
  parse: {
    cause: "malformed payload",
    checks: [
      "Parse the new version offline with the same parser; the error names the line.",
      "Was the payload truncated or re-encoded on the way (size limits, encoding)?",
    ],
  },
};
