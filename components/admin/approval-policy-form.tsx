"use client";
import { useState } from "react";
import { saveApprovalPolicyForm } from "@/lib/admin/actions/save-approval-policy";
import type { PolicyValues } from "@/lib/admin/policies";
import type { ServiceOption } from "@/lib/admin/queries";
import { DEFAULT_REQUIRED_APPROVALS, REQUIRED_APPROVAL_CHOICES } from "@/lib/domain/admin-rules";
import { serviceLabel } from "@/lib/format";
import styles from "./admin.module.css";
import { FieldError, FormActions, FormMessage, invalid, useActionForm } from "./form-kit";
import { ServiceOptions } from "./service-select";

const CHOICE_TEXT: Record<number, string> = {
  0: "0 — sent as soon as it is requested",
  1: "1 approver",
  2: "2 distinct approvers",
};

export function ApprovalPolicyForm({
  services,
  existing,
  groups,
  initialServiceId,
}: {
  services: ServiceOption[];
  existing: Record<number, PolicyValues>;
  groups: string[];
  initialServiceId: number | null;
}) {
  const { state, pending, onSubmit } = useActionForm(saveApprovalPolicyForm, { resetOnSuccess: false });
  const [serviceId, setServiceId] = useState<number | null>(
    initialServiceId !== null && services.some((s) => s.id === initialServiceId) ? initialServiceId : null,
  );
  const current = serviceId !== null ? existing[serviceId] : undefined;
  const serviceName = (id: number) => {
    const service = services.find((s) => s.id === id);
    return service ? serviceLabel(service) : `service ${id}`;
  };
  return (
    <form className={styles.form} onSubmit={onSubmit} aria-label="Set an approval policy" noValidate>
      <label className={styles.field}>
        <span>Service</span>
        <select
          name="serviceId"
          value={serviceId ?? ""}
          onChange={(e) => setServiceId(e.target.value ? Number(e.target.value) : null)}
          {...invalid(state, "serviceId")}
        >
          <option value="">Choose a service…</option>
          <ServiceOptions services={services} />
        </select>
        {serviceId !== null ? (
          <span className={styles.hint}>
            {current
              ? `Now: ${current.requiredApprovals} approval${current.requiredApprovals === 1 ? "" : "s"}${current.requiredGroup ? ` from ${current.requiredGroup}` : ""}.`
              : `Now: the default, ${DEFAULT_REQUIRED_APPROVALS} approver.`}
          </span>
        ) : null}
        <FieldError state={state} name="serviceId" />
      </label>
      {/* Keyed by service, so choosing another service shows that service's current values. */}
      <div className={styles.row} key={serviceId ?? "none"}>
        <label className={styles.field}>
          <span>Approvals needed</span>
          <select
            name="requiredApprovals"
            defaultValue={String(current?.requiredApprovals ?? DEFAULT_REQUIRED_APPROVALS)}
            {...invalid(state, "requiredApprovals")}
          >
            {REQUIRED_APPROVAL_CHOICES.map((n) => (
              <option key={n} value={n}>
                {CHOICE_TEXT[n]}
              </option>
            ))}
          </select>
          <FieldError state={state} name="requiredApprovals" />
        </label>
        <label className={styles.field}>
          <span>Approvers must be in group (optional)</span>
          <input
            type="text"
            name="requiredGroup"
            list="known-groups"
            defaultValue={current?.requiredGroup ?? ""}
            placeholder="any group"
            autoComplete="off"
            {...invalid(state, "requiredGroup")}
          />
          <datalist id="known-groups">
            {groups.map((g) => (
              <option key={g} value={g} />
            ))}
          </datalist>
          <span className={styles.hint}>
            Checked against each approver&apos;s groups (set on the Users page, or by the OIDC issuer).
          </span>
          <FieldError state={state} name="requiredGroup" />
        </label>
      </div>
      <FormMessage
        state={state}
        success={(p) => (
          <>
            {serviceName(p.serviceId)} now needs {p.requiredApprovals} approval{p.requiredApprovals === 1 ? "" : "s"}
            {p.requiredGroup ? ` from ${p.requiredGroup}` : ""}.
          </>
        )}
      />
      <FormActions pending={pending} pendingText="Saving…">
        Save policy
      </FormActions>
    </form>
  );
}
