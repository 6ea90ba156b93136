// An audit entry for the audit log's tests: an operator's allowed reload request unless
// `overrides` says otherwise.
import type { AuditEntryInput } from "@/lib/audit-chain/audit-log";

export const auditEntry = (overrides: Partial<AuditEntryInput> = {}): AuditEntryInput => ({
  actorId: null,
  actor: "alice",
  actorRole: "operator",
  action: "reload.request",
  outcome: "allowed",
  details: { input: { reason: "rotate certs" } },
  ...overrides,
});
