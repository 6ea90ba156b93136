import "server-only";
import type { DispatchPolicy } from "@/lib/domain/dispatch-step";
import { env } from "@/lib/env";
import { legacyLeaseMs } from "./recover";

/** Dispatch's policy as this process's environment sets it (the rules: lib/domain/dispatch-step.ts). */
export function dispatchPolicy(): DispatchPolicy {
  const settings = env();
  return {
    maxAttempts: settings.DISPATCH_MAX_ATTEMPTS,
    retryBaseMs: settings.DISPATCH_RETRY_BASE_MS,
    checkMs: settings.CANARY_CHECK_MS,
    reloadTimeoutSeconds: settings.RELOAD_TIMEOUT_SECONDS,
    legacyLeaseMs: legacyLeaseMs(),
  };
}
