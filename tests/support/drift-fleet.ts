// The fleet the drift tests share (one drift rule, DESIGN.md): services, heartbeats and a
// scoped reload sent through POST /api/v1/events.
import { useEnv } from "./env-vars";
import { daysAgo, heartbeat, minutesAgo, scopedReload } from "./ingest-client";

export const checkout = { environment: "prod", namespace: "payments", service: "checkout-api" };
export const ledger = { environment: "prod", namespace: "payments", service: "ledger" };
export const search = { environment: "staging", namespace: "", service: "search" };

/** The drift threshold and the stale-instance age the fleets below are built around (the defaults, stated). */
export function useDriftDefaults(extra: Record<string, string | undefined> = {}): void {
  useEnv({ DRIFT_THRESHOLD_SECONDS: "300", INSTANCE_STALE_SECONDS: "86400", ...extra });
}

/**
 * The heartbeats of the drift fleet: checkout-api routes with c-4 left on r-v1 for an hour
 * (mixed, drifting); checkout-api flags where c-3 last reported another version two days ago;
 * checkout-api model a rollout a minute old (mixed, inside the threshold); ledger on v1
 * everywhere; search on one version everywhere.
 */
export const driftFleetHeartbeats = () => [
  ...["c-1", "c-2", "c-3"].map((i) => heartbeat(checkout, i, "routes", "routes.yaml", "r-v2", minutesAgo(60))),
  heartbeat(checkout, "c-4", "routes", "routes.yaml", "r-v1", minutesAgo(61)),
  heartbeat(checkout, "c-1", "flags", "flags.json", "f-1", minutesAgo(30)),
  heartbeat(checkout, "c-2", "flags", "flags.json", "f-1", minutesAgo(30)),
  heartbeat(checkout, "c-3", "flags", "flags.json", "f-0", daysAgo(2)),
  heartbeat(checkout, "c-1", "model", "ranker", "m-2", minutesAgo(1)),
  heartbeat(checkout, "c-2", "model", "ranker", "m-1", minutesAgo(90)),
  ...["l-1", "l-2", "l-3", "l-4"].map((i) => heartbeat(ledger, i, "config", "ledger.yaml", "v1", minutesAgo(120))),
  ...["s-1", "s-2"].map((i) => heartbeat(search, i, "config", "search.yaml", "s-1", minutesAgo(10))),
];

/** The ledger's reload to v2, half an hour ago, that l-4 NACKs: mixed and off the desired version. */
export const ledgerReloadNackedByL4 = () =>
  scopedReload(ledger, "rl-ledger", "config", "ledger.yaml", "v1", "v2", 30, {
    "l-1": "acked",
    "l-2": "acked",
    "l-3": "acked",
    "l-4": "nacked",
  });
