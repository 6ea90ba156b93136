import { describe, expect, test } from "vitest";
import { unauthorizedConditions, type DeniedAttempt } from "@/lib/domain/alerts/audit";
import { driftCondition, driftingCells, type DriftCell } from "@/lib/domain/alerts/drift";
import { outOfBandConditions, staleConditions, type HeartbeatChange } from "@/lib/domain/alerts/instances";
import { acknowledge, planAlertChanges } from "@/lib/domain/alerts/lifecycle";
import { formatAge } from "@/lib/format";
import { errorGroupText, groupErrors, normaliseErrorMessage } from "@/lib/domain/alerts/normalise-error";
import { judgeRegression } from "@/lib/domain/alerts/regression";
import {
  failureRatioConditions,
  reloadFailureConditions,
  stormConditions,
  stuckConditions,
  type AlertReload,
} from "@/lib/domain/alerts/reloads";
import { parseRuleParams, resolveRuleConfigs, RULE_PARAMS } from "@/lib/domain/alerts/rules";
import { activeSilenceFor, isSilenceActive, silenceMatches, type Silence } from "@/lib/domain/alerts/silences";
import { fingerprint, type AlertCondition, type ServiceRef, type StoredAlert } from "@/lib/domain/alerts/types";
import { assessResourceDrift } from "@/lib/domain/drift";

const NOW = new Date("2026-11-21T15:00:00.000Z");
const MIN = 60_000;
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * MIN);
const svc: ServiceRef = { id: 7, environment: "prod", namespace: "payments", name: "checkout-api" };
const defaults = <R extends keyof typeof RULE_PARAMS>(rule: R) => RULE_PARAMS[rule].parse({}) as never;

describe("normaliseErrorMessage", () => {
  test.each([
    ["numbers", "line 42 col 7", "line <n> col <n>"],
    ["decimals", "took 1.25 s", "took <n> s"],
    [
      "quoted values, all three quotes",
      `unknown field "retries" in 'routes.yaml' at \`x.y\``,
      "unknown field <value> in <value> at <value>",
    ],
    ["UUIDs", "tenant 3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b missing", "tenant <uuid> missing"],
    ["IPv4 with port", "connect 10.0.3.7:8443 refused", "connect <ip> refused"],
    ["IPv6", "dial fe80::1ff:fe23:4567:890a failed", "dial <ip> failed"],
    ["hex with 0x", "bad magic 0xDEADBEEF", "bad magic <hex>"],
    ["commit-like hex ids", "hash b7d2f11a mismatch", "hash <hex> mismatch"],
    ["words made of hex letters stay", "accepted deadbeef facade", "accepted deadbeef facade"],
    ["whitespace collapsed", "  a \n\t b  ", "a b"],
  ])("%s", (_, input, expected) => {
    expect(normaliseErrorMessage(input)).toBe(expected);
  });

  test("40 instances failing for one reason make one line with a count", () => {
    const errors = [
      ...Array.from({ length: 40 }, (_, i) => ({
        instance: `pod-${i}`,
        error: `schema mismatch at line ${i} in "f${i}.yaml"`,
      })),
      { instance: "pod-x", error: "timeout after 3000 ms" },
      { instance: "pod-y", error: null },
    ];
    const groups = groupErrors(errors, 3);
    expect(groups.map((g) => [g.count, g.message])).toEqual([
      [40, "schema mismatch at line <n> in <value>"],
      [1, "(no error message)"],
      [1, "timeout after <n> ms"],
    ]);
    expect(groups[0]!.instances).toEqual(["pod-0", "pod-1", "pod-2"]);
    expect(groups[0]!.example).toBe('schema mismatch at line 0 in "f0.yaml"');
    // Summaries and lists show a real message with the count; the pattern is only the key.
    expect(groups.map(errorGroupText)).toEqual([
      '40 instances: schema mismatch at line 0 in "f0.yaml" (and similar)',
      "(no error message)",
      "timeout after 3000 ms",
    ]);
  });

  test.each<[string, string[], string]>([
    [
      "one instance: its message alone",
      ["listener :8443 certificate chain incomplete"],
      "listener :8443 certificate chain incomplete",
    ],
    ["the same message everywhere: no 'and similar'", ["disk full", "disk full"], "2 instances: disk full"],
    [
      "messages differing in a number",
      ["listener :8443 certificate chain incomplete", "listener :9443 certificate chain incomplete"],
      "2 instances: listener :8443 certificate chain incomplete (and similar)",
    ],
  ])("errorGroupText: %s", (_, messages, text) => {
    const [group] = groupErrors(messages.map((error, i) => ({ instance: `pod-${i}`, error })));
    expect(errorGroupText(group!)).toBe(text);
  });
});

describe("drift alerts use the one drift function", () => {
  const policy = { thresholdMs: 5 * MIN, staleMs: 24 * 60 * MIN };
  const group = (version: string, instances: number, sinceMin: number, reportMin = 1) => ({
    version,
    instances,
    newestSince: ago(sinceMin),
    lastReportAt: ago(reportMin),
  });
  const cell = (resource: string, groups: DriftCell["groups"], desired: DriftCell["desired"] = null): DriftCell => ({
    service: svc,
    kind: "config",
    resource,
    groups,
    desired,
  });
  const cells: [string, DriftCell, boolean][] = [
    ["mixed for an hour", cell("a", [group("v1", 3, 90), group("v2", 1, 60)]), true],
    ["mixed for a minute (rollout)", cell("b", [group("v1", 3, 90), group("v2", 1, 1)]), false],
    ["one version, the desired one", cell("c", [group("v1", 4, 90)], { version: "v1", setAt: ago(100) }), false],
    ["one version, not the desired one", cell("d", [group("v1", 4, 90)], { version: "v2", setAt: ago(30) }), true],
    ["the odd one gone (stale)", cell("e", [group("v1", 3, 90), group("v2", 1, 2000, 2000)]), false],
  ];
  test.each(cells)("%s", (_, cell, drifting) => {
    const found = driftingCells([cell], NOW, policy);
    expect(found.length === 1).toBe(drifting);
    expect(assessResourceDrift(cell.groups, cell.desired, NOW, policy).drifting).toBe(drifting);
  });

  test("the alert names the instances off the desired version and the drift's age", () => {
    const [cell] = driftingCells([cells[3]![1]], NOW, policy);
    const c = driftCondition(
      cell!,
      [1, 2, 3, 4].map((i) => ({ instance: `i-${i}`, version: "v1", lastReportAt: ago(1) })),
      NOW,
      policy.staleMs,
      { listInstances: 2 },
    );
    expect(c.fingerprint).toBe("drift:7/config/d");
    expect(c.summary).toBe("prod/payments/checkout-api config/d: 4 of 4 instances not on v2 for 30m");
    expect(c.details).toMatchObject({
      driftingForMs: 30 * MIN,
      driftingInstances: 4,
      instances: [{ instance: "i-1" }, { instance: "i-2" }],
    });
  });

  test("a long drift reads in hours, the same text as the 'drifting for' line (formatAge)", () => {
    const cell = {
      service: svc,
      kind: "config",
      resource: "f",
      groups: [group("v1", 4, 3000)],
      desired: { version: "v2", setAt: ago(2156) },
    };
    const [found] = driftingCells([cell], NOW, policy);
    const c = driftCondition(
      found!,
      [1, 2, 3, 4].map((i) => ({ instance: `i-${i}`, version: "v1", lastReportAt: ago(1) })),
      NOW,
      policy.staleMs,
      { listInstances: 2 },
    );
    expect(c.summary).toBe("prod/payments/checkout-api config/f: 4 of 4 instances not on v2 for 35h 56m");
    expect(formatAge(c.details.driftingForMs as number)).toBe("35h 56m");
  });
});

const reload = (over: Partial<AlertReload> = {}): AlertReload => ({
  key: "11",
  reloadId: "rl-1",
  service: svc,
  kind: "config",
  resource: "routes.yaml",
  fromVersion: "v1",
  toVersion: "v2",
  initiator: null,
  status: "partially_failed",
  targets: 10,
  succeeded: 8,
  nacked: 2,
  failed: 0,
  startedAt: ago(20),
  dispatchedAt: ago(20),
  expiredAt: null,
  lastErrorAt: ago(15),
  superseded: false,
  supersededBySuccess: false,
  rolledBack: 0,
  ...over,
});

describe("reload rules", () => {
  test.each<[string, Partial<AlertReload>, boolean]>([
    ["NACKs within the lookback", {}, true],
    ["no failures", { nacked: 0, failed: 0 }, false],
    ["last failure before the lookback", { lastErrorAt: ago(61) }, false],
    ["a later reload succeeded", { supersededBySuccess: true }, false],
    ["a later reload that did not succeed leaves it firing", { superseded: true }, true],
  ])("failures: %s", (_, over, fires) => {
    expect(reloadFailureConditions([reload(over)], new Map(), NOW, defaults("reload_failures"))).toHaveLength(
      fires ? 1 : 0,
    );
  });

  test.each<[number, number, boolean]>([
    [10, 6, true],
    [10, 5, false], // 50 % is not above 50 %
    [4, 4, false], // too few reloads to mean anything
  ])("failure ratio: %i finished, %i failed → %s", (finished, failed, fires) => {
    expect(failureRatioConditions([{ service: svc, finished, failed }], defaults("reload_failures"))).toHaveLength(
      fires ? 1 : 0,
    );
  });

  test.each<[string, Partial<AlertReload>, boolean]>([
    ["in progress 20 min after dispatch", { status: "in_progress" }, true],
    ["in progress 5 min after dispatch", { status: "in_progress", dispatchedAt: ago(5) }, false],
    ["expired 30 min ago", { status: "expired", expiredAt: ago(30) }, true],
    ["expired 2 h ago", { status: "expired", expiredAt: ago(120) }, false],
    ["expired, then a newer reload", { status: "expired", expiredAt: ago(30), superseded: true }, false],
    ["succeeded", { status: "succeeded" }, false],
  ])("stuck: %s", (_, over, fires) => {
    expect(stuckConditions([reload(over)], new Map(), NOW, defaults("reload_stuck"))).toHaveLength(fires ? 1 : 0);
  });

  test.each<[string, Partial<AlertReload>, string, number]>([
    ["waiting", { status: "in_progress" }, "has 8 of 10 instances finished after 20 min", 8],
    ["expired", { status: "expired", expiredAt: ago(30) }, "expired with 2 of 10 instances silent", 8],
    ["beyond the scope", { status: "expired", expiredAt: ago(30), targets: 3 }, "expired with 0 of 3 instances", 3],
  ])("stuck, %s: rolled-back instances are finished (finishedTargets)", (_, over, words, finished) => {
    const counts = { targets: 10, succeeded: 4, nacked: 1, failed: 1, rolledBack: 2, ...over };
    const [c] = stuckConditions([reload(counts)], new Map(), NOW, defaults("reload_stuck"));
    expect(c!.summary).toContain(words);
    expect(c!.details.finished).toBe(finished);
  });

  test.each<[number, boolean]>([
    [5, false],
    [6, true],
  ])("storm: %i reloads in the window", (reloads, fires) => {
    expect(
      stormConditions(
        [{ service: svc, kind: "cache", resource: "warm", reloads, recent: [] }],
        defaults("reload_storm"),
      ),
    ).toHaveLength(fires ? 1 : 0);
  });
});

describe("instance rules", () => {
  test("stale: silent long enough and not gone, grouped per service", () => {
    const seen = (instance: string, minutes: number) => ({ service: svc, instance, lastSeenAt: ago(minutes) });
    const conditions = staleConditions(
      [seen("fresh", 2), seen("quiet", 11), seen("quieter", 50), seen("gone", 2000)],
      NOW,
      24 * 60 * MIN,
      defaults("instance_stale"),
    );
    expect(conditions).toHaveLength(1);
    expect(conditions[0]!.fingerprint).toBe("instance_stale:7");
    expect((conditions[0]!.details.instances as { instance: string }[]).map((i) => i.instance)).toEqual([
      "quieter",
      "quiet",
    ]);
  });

  const change = (over: Partial<HeartbeatChange>): HeartbeatChange => ({
    service: svc,
    instance: "p-1",
    kind: "policy",
    resource: "authz",
    version: "x",
    previousVersion: "v1",
    changedAt: ago(30),
    reloadTargets: false,
    ...over,
  });
  test.each<[string, Partial<HeartbeatChange>, number]>([
    ["a heartbeat change with no reload", {}, 1],
    ["a reload targets it", { reloadTargets: true }, 0],
    ["older than the lookback", { changedAt: ago(25 * 60) }, 0],
  ])("out of band: %s", (_, over, n) => {
    expect(outOfBandConditions([change(over)], NOW, defaults("out_of_band_change"))).toHaveLength(n);
  });
  test("out of band: instances moving to one version make one alert", () => {
    const [c] = outOfBandConditions(
      [change({ instance: "p-2", changedAt: ago(20) }), change({})],
      NOW,
      defaults("out_of_band_change"),
    );
    expect(c!.summary).toBe(
      "prod/payments/checkout-api policy/authz: 2 instances changed v1 → x with no reload requested",
    );
  });
});

describe("unauthorized attempts", () => {
  // A signed-in actor is its user id; an unauthenticated request is its client address, never the text it typed.
  const denied = (
    actor: string,
    minutes: number,
    action = "request.approve",
    actorId: number | null = actor.length,
  ): DeniedAttempt => ({
    id: String(minutes),
    at: ago(minutes),
    actorId,
    actor,
    actorRole: "viewer",
    action,
    serviceId: null,
    subject: null,
    reason: null,
    clientAddress: null,
  });
  const stranger = (typed: string, address: string | null, minutes: number): DeniedAttempt => ({
    id: String(minutes),
    at: ago(minutes),
    actorId: null,
    actor: typed,
    actorRole: null,
    action: "session.sign_in",
    serviceId: null,
    subject: null,
    reason: "unknown_user",
    clientAddress: address,
  });
  const fp = (...parts: (string | number)[]) => fingerprint("unauthorized_attempt", ...parts);
  const five = (make: (i: number) => DeniedAttempt) => Array.from({ length: 5 }, (_, i) => make(i + 1));
  test.each<[string, DeniedAttempt[], number | undefined, string[]]>([
    ["one denial does not alert by default", [denied("vic", 1)], undefined, []],
    ["five in the window alert by default", five((i) => denied("vic", i)), undefined, [fp("user", 3)]],
    ["outside the window", [denied("vic", 16)], 1, []],
    ["per signed-in actor", [denied("vic", 1), denied("anne", 2)], 1, [fp("user", 3), fp("user", 4)]],
    ["below minAttempts", [denied("vic", 1), denied("vic", 2)], 3, []],
    [
      "a stranger typing five names is one source",
      five((i) => stranger(`name-${i}`, "203.0.113.7", i)),
      undefined,
      [fp("address", "203.0.113.7")],
    ],
    [
      "two addresses are two sources",
      [stranger("a", "203.0.113.7", 1), stranger("a", "2001:db8:1:2::/64", 2)],
      1,
      [fp("address", "203.0.113.7"), fp("address", "2001:db8:1:2::/64")],
    ],
    [
      "no address (no trusted proxy, or a refused action without a session) is one source",
      [stranger("a", "unknown", 1), stranger("b", null, 2)],
      1,
      [fp("unauthenticated")],
    ],
  ])("%s", (_, attempts, minAttempts, fingerprints) => {
    const params = minAttempts === undefined ? defaults("unauthorized_attempt") : { windowMinutes: 15, minAttempts };
    expect(unauthorizedConditions(attempts, NOW, params).map((c) => c.fingerprint)).toEqual(fingerprints);
  });
  test("an unauthenticated source's alert carries none of the text the sender chose", () => {
    const typed = "hunter2-<b>@here</b>";
    const attempts = five((i) => stranger(`${typed}-${i}`, "203.0.113.7", i));
    attempts.push(stranger(typed, "<script>", 6));
    const conditions = unauthorizedConditions(attempts, NOW, { windowMinutes: 15, minAttempts: 1 });
    expect(conditions.map((c) => c.fingerprint)).toEqual([fp("address", "203.0.113.7"), fp("unauthenticated")]);
    for (const condition of conditions) {
      const text = JSON.stringify(condition);
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain("script");
    }
    expect(conditions[0]!.summary).toBe(
      "Unauthenticated requests from 203.0.113.7 were denied 5 times in 15 min: session.sign_in ×5",
    );
    expect(conditions[0]!.labels).toEqual({ source: "address:203.0.113.7" });
  });
});

describe("regression", () => {
  const w = (spans: number, p95Ms: number, errors = 0) => ({ spans, p95Ms, errors });
  test.each<[string, ReturnType<typeof w>, ReturnType<typeof w>, { latency: boolean; errors: boolean }]>([
    ["p95 ×2", w(50, 100), w(50, 200), { latency: true, errors: false }],
    ["p95 ×1.5 exactly is not worse by more than 1.5", w(50, 100), w(50, 150), { latency: false, errors: false }],
    ["too few spans after", w(50, 100), w(19, 500), { latency: false, errors: false }],
    ["errors 2 % → 10 %", w(100, 100, 2), w(100, 100, 10), { latency: false, errors: true }],
    [
      "no errors before, 1 % after is under the floor's 1.5×",
      w(100, 100, 0),
      w(100, 100, 1),
      { latency: false, errors: false },
    ],
    ["no errors before, 5 % after", w(100, 100, 0), w(100, 100, 5), { latency: false, errors: true }],
  ])("%s", (_, before, after, verdict) => {
    expect(judgeRegression({ before, after }, { factor: 1.5, minSpans: 20 })).toEqual(verdict);
  });
});

describe("lifecycle", () => {
  const condition = (fp: string, summary = "s", rule: AlertCondition["rule"] = "drift"): AlertCondition => ({
    rule,
    fingerprint: fp,
    serviceId: 7,
    kind: null,
    resource: null,
    reloadKey: null,
    summary,
    details: { b: 1, a: [1, { y: 2, x: 1 }] },
    labels: {},
    link: null,
  });
  const stored = (id: string, fp: string, over: Partial<StoredAlert> = {}): StoredAlert => ({
    id,
    fingerprint: fp,
    rule: "drift",
    severity: "warning",
    state: "firing",
    summary: "s",
    details: { a: [1, { x: 1, y: 2 }], b: 1 },
    labels: {},
    link: null,
    serviceId: 7,
    kind: null,
    resource: null,
    reloadKey: null,
    startedAt: NOW,
    resolvedAt: null,
    ...over,
  });
  test("new fingerprints open, known ones update (changed only when they say something new), gone ones resolve", () => {
    const plan = planAlertChanges(
      [
        stored("1", "a"),
        stored("2", "b"),
        stored("3", "c", { state: "acknowledged" }),
        stored("4", "d", { rule: "reload_storm" }),
      ],
      [condition("a"), condition("b", "new summary"), condition("e"), condition("e")],
      new Set(["drift"]),
      () => "warning",
    );
    expect(plan.toOpen.map((c) => c.fingerprint)).toEqual(["e"]);
    expect(plan.toUpdate.map((u) => [u.alert.id, u.changed])).toEqual([
      ["1", false],
      ["2", true],
    ]);
    // c (acknowledged) is gone: it resolves; d's rule was not evaluated: it stays
    expect(plan.toResolve.map((a) => a.id)).toEqual(["3"]);
  });
  test("a severity changed by an admin counts as a change", () => {
    const plan = planAlertChanges([stored("1", "a")], [condition("a")], new Set(["drift"]), () => "critical");
    expect(plan.toUpdate[0]!.changed).toBe(true);
  });
  test.each([
    ["firing", { ok: true, changed: true }],
    ["acknowledged", { ok: true, changed: false }],
    ["resolved", { ok: false, reason: "This alert has already resolved." }],
  ] as const)("acknowledging a %s alert", (state, decision) => expect(acknowledge(state)).toEqual(decision));
  test("fingerprints escape their parts", () => {
    expect(fingerprint("drift", 1, "a/b", "c")).not.toBe(fingerprint("drift", 1, "a", "b/c"));
  });
});

describe("silences", () => {
  const silence = (over: Partial<Silence>): Silence => ({
    id: "1",
    rule: null,
    serviceId: null,
    fingerprint: null,
    comment: "",
    createdBy: null,
    createdAt: ago(10),
    expiresAt: ago(-50),
    endedAt: null,
    ...over,
  });
  const alert = { rule: "drift", serviceId: 7, fingerprint: "drift:7/config/a" };
  test.each<[string, Partial<Silence>, boolean]>([
    ["rule", { rule: "drift" }, true],
    ["another rule", { rule: "reload_storm" }, false],
    ["rule and service", { rule: "drift", serviceId: 7 }, true],
    ["rule and another service", { rule: "drift", serviceId: 8 }, false],
    ["fingerprint", { fingerprint: "drift:7/config/a" }, true],
    ["nothing set matches nothing", {}, false],
  ])("matching by %s", (_, over, matches) => {
    expect(silenceMatches(silence(over), alert)).toBe(matches);
  });
  test.each<[string, Partial<Silence>, boolean]>([
    ["before expiry", {}, true],
    ["at expiry", { expiresAt: NOW }, false],
    ["ended", { endedAt: ago(1) }, false],
  ])("active %s", (_, over, active) => {
    expect(isSilenceActive(silence(over), NOW)).toBe(active);
    expect(activeSilenceFor([silence({ rule: "drift", ...over })], alert, NOW) !== null).toBe(active);
  });
});

describe("rule settings", () => {
  test("defaults, overrides, and a stored override that no longer parses falls back with a problem", () => {
    const { configs, problems } = resolveRuleConfigs([
      { rule: "reload_storm", enabled: false, severity: "critical", params: { maxReloads: 9 } },
      { rule: "instance_stale", enabled: true, severity: "warning", params: { silentMinutes: "soon" } },
    ]);
    expect(configs.reload_storm).toEqual({
      rule: "reload_storm",
      enabled: false,
      severity: "critical",
      params: { windowMinutes: 10, maxReloads: 9 },
    });
    expect(configs.instance_stale.params).toEqual({ silentMinutes: 10 });
    expect(configs.drift).toMatchObject({ enabled: true, severity: "warning" });
    expect(problems).toEqual([expect.stringMatching(/^instance_stale: stored thresholds ignored/)]);
  });
  test.each<[string, unknown, boolean, Record<string, unknown> | null]>([
    ["one threshold: only it is stored", { maxReloads: 3 }, true, { maxReloads: 3 }],
    ["nothing", {}, true, {}],
    ["an unknown threshold", { maxReload: 3 }, false, null],
    ["out of range", { maxReloads: 0 }, false, null],
    ["wrong type", { windowMinutes: "10" }, false, null],
  ])("parseRuleParams: %s", (_, params, ok, stored) => {
    const parsed = parseRuleParams("reload_storm", params);
    expect(parsed.ok).toBe(ok);
    if (parsed.ok) expect(parsed.params).toEqual(stored);
  });
});
