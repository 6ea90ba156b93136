// Which services a machine token may write and read (DESIGN.md "Roles", docs/adr/0006).
// A token carries a list of patterns, or none (null: every service). The grammar:
//
//   environment/*                      every service of the environment
//   environment/namespace/*            every service of the namespace
//   environment/namespace/service      one service
//
// A service without a namespace has the empty one: `prod//edge` is that service and
// `prod//*` every namespace-less service of prod. Names are compared exactly (no case
// folding, no prefixes); `*` is only ever a whole last part. A name that itself holds a `/`,
// `*`, a comma or white space cannot be written in a pattern and is reached by a wildcard
// above it (`prod/payments/*`), since a separator inside a name would make patterns ambiguous.

export interface ServiceName {
  environment: string;
  /** "" for a service without a namespace */
  namespace: string;
  service: string;
}

/** One pattern, read: null means any. */
export interface Restriction {
  environment: string;
  namespace: string | null;
  service: string | null;
}

export const MAX_RESTRICTIONS = 50;
const MAX = { environment: 100, namespace: 200, service: 200 } as const;
const SHAPES = "environment/*, environment/namespace/* or environment/namespace/service";

export type ParsedRestriction = { ok: true; restriction: Restriction } | { ok: false; problem: string };

/** Reads one pattern, or says what is wrong with it. */
export function parseRestriction(text: string): ParsedRestriction {
  const pattern = text.trim();
  const refuse = (problem: string): ParsedRestriction => ({ ok: false, problem });
  if (pattern === "") return refuse("a pattern is empty");
  if (/[\s,]/.test(pattern)) return refuse("names in a pattern have no spaces or commas");
  const parts = pattern.split("/");
  if (parts.length > 3) return refuse(`a pattern has at most three parts: ${SHAPES}`);
  if (parts.length === 1) return refuse(`write ${SHAPES}`);
  const [environment, second, third] = parts as [string, string, string | undefined];
  if (environment === "" || environment.includes("*")) return refuse(`the environment must be named (${SHAPES})`);
  if (environment.length > MAX.environment) return refuse(`an environment has at most ${MAX.environment} characters`);
  if (third === undefined) {
    if (second === "*") return { ok: true, restriction: { environment, namespace: null, service: null } };
    return refuse(
      `write ${environment}//${second || "service"} for a service without a namespace, ${environment}/${second || "namespace"}/* for a namespace, or ${environment}/* for the whole environment`,
    );
  }
  if (second.includes("*")) {
    return refuse(
      `the namespace must be named exactly: a whole namespace is ${environment}/namespace/*, the whole environment ${environment}/*`,
    );
  }
  if (second.length > MAX.namespace) return refuse(`a namespace has at most ${MAX.namespace} characters`);
  if (third === "*") return { ok: true, restriction: { environment, namespace: second, service: null } };
  if (third === "") return refuse(`the service must be named, or * for every service of the namespace`);
  if (third.includes("*")) return refuse(`a wildcard is the whole last part: ${environment}/${second}/*`);
  if (third.length > MAX.service) return refuse(`a service has at most ${MAX.service} characters`);
  return { ok: true, restriction: { environment, namespace: second, service: third } };
}

/**
 * A form's or a command line's patterns (one a line, or separated by commas), trimmed and
 * without repeats; null when there are none (an unrestricted token).
 */
export function parseRestrictionList(
  input: string | readonly string[],
): { ok: true; patterns: string[] | null } | { ok: false; problem: string } {
  const texts = (typeof input === "string" ? [input] : input)
    .flatMap((text) => text.split(/[\n\r,]+/))
    .map((t) => t.trim())
    .filter(Boolean);
  const patterns = [...new Set(texts)];
  const problems = patterns.flatMap((pattern) => {
    const parsed = parseRestriction(pattern);
    return parsed.ok ? [] : [`“${pattern}”: ${parsed.problem}`];
  });
  if (problems.length > 0) return { ok: false, problem: problems.join("; ") };
  if (patterns.length > MAX_RESTRICTIONS)
    return { ok: false, problem: `at most ${MAX_RESTRICTIONS} patterns per token` };
  return { ok: true, patterns: patterns.length > 0 ? patterns : null };
}

function matches(r: Restriction, target: ServiceName): boolean {
  return (
    r.environment === target.environment &&
    (r.namespace === null || r.namespace === target.namespace) &&
    (r.service === null || r.service === target.service)
  );
}

/** Whether a token with these patterns (null: unrestricted) may write and read the service. Stored patterns that no longer parse allow nothing. */
export function restrictionAllows(patterns: readonly string[] | null, target: ServiceName): boolean {
  return restrictionMatcher(patterns)(target);
}

/** restrictionAllows with the patterns read once, for checking a batch. */
export function restrictionMatcher(patterns: readonly string[] | null): (target: ServiceName) => boolean {
  if (patterns === null) return () => true;
  const rules = patterns.flatMap((pattern) => {
    const parsed = parseRestriction(pattern);
    return parsed.ok ? [parsed.restriction] : [];
  });
  return (target) => rules.some((r) => matches(r, target));
}

/**
 * The patterns as three parallel columns (null: any), for SQL that filters by them with
 * `unnest($1::text[], $2::text[], $3::text[])` and the same comparison as restrictionAllows.
 */
export function restrictionColumns(patterns: readonly string[]): {
  environments: string[];
  namespaces: (string | null)[];
  services: (string | null)[];
} {
  const rows = patterns.flatMap((pattern) => {
    const parsed = parseRestriction(pattern);
    return parsed.ok ? [parsed.restriction] : [];
  });
  return {
    environments: rows.map((r) => r.environment),
    namespaces: rows.map((r) => r.namespace),
    services: rows.map((r) => r.service),
  };
}

/** How a service is written in patterns and refusals: prod/payments/checkout-api, prod//edge. */
export function serviceLabel(target: ServiceName): string {
  return `${target.environment}/${target.namespace}/${target.service}`;
}

/** The refusal of an event or span outside the token's patterns. */
export function restrictionRefusal(target: ServiceName): string {
  return `service: this token may not write ${serviceLabel(target)}`;
}

/**
 * Phases of a reload that Reloadscope requested which only Reloadscope writes: the decisions
 * (requested, approved, rejected) and its dispatcher's dispatched and failed, which name no
 * instance. An instance's own failed, and every other instance phase, stay open to the
 * service's tokens.
 */
export function writtenByReloadscopeOnly(phase: string, instance: string | null): boolean {
  return (
    phase === "requested" ||
    phase === "approved" ||
    phase === "rejected" ||
    ((phase === "dispatched" || phase === "failed") && instance === null)
  );
}

/** The refusal of such an event from an ingest token. */
export function reloadscopeOnlyRefusal(phase: string): string {
  return `phase: ${phase} events of a reload requested in Reloadscope are written by Reloadscope only`;
}
