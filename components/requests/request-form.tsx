"use client";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import styles from "@/components/admin/admin.module.css";
import { FieldError, FormMessage, invalid, SubmitButton, useActionForm } from "@/components/admin/form-kit";
import { PreflightRow } from "@/components/approvals/change-preflight";
import type { ApprovalPolicyRule } from "@/lib/domain/approval-state";
import { canarySize, type RequestScope } from "@/lib/domain/canary";
import { plural } from "@/lib/domain/progress-words";
import { requestReloadFromForm } from "@/lib/requests/actions/request-reload";
import { requestRollbackFromForm } from "@/lib/requests/actions/request-rollback";
import type { RequestableResource, RequestFormData } from "@/lib/requests/queries";

// The form behind "Request reload" and "Request rollback" (DESIGN.md "Roles"): what to reload, the
// target version (known versions suggested; a rollback starts at the proposed one), the
// scope (all, or a canary by count or percent, then the rest), and why. The canary preview
// uses the same rule as the server (lib/domain/canary.ts); the server checks everything again
// and its field errors appear beside the fields.

type Props = {
  action: "reload" | "rollback";
  serviceId: number;
  resources: RequestableResource[];
  initialKey: string | null;
  /** a rollback's starting version other than the proposal ("roll back to this" on a history row) */
  initialVersion?: string | null;
  policy: ApprovalPolicyRule;
  preflight: RequestFormData["preflight"];
};

export function RequestForm({
  action,
  serviceId,
  resources,
  initialKey,
  initialVersion = null,
  policy,
  preflight,
}: Props) {
  const { state, pending, onSubmit, formRef } = useActionForm(
    action === "reload" ? requestReloadFromForm : requestRollbackFromForm,
  );
  const doneRef = useRef<HTMLDivElement>(null);
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const choices = action === "rollback" ? resources.filter((r) => r.rollback) : resources;
  const [key, setKey] = useState<string | null>(
    choices.some((r) => r.key === initialKey) ? initialKey : (choices[0]?.key ?? null),
  );
  const [scope, setScope] = useState<Scope>("all");
  const [count, setCount] = useState("1");
  const [percent, setPercent] = useState("10");
  const chosen = choices.find((r) => r.key === key) ?? null;
  const id = (name: string) => `${action}-${name}`;
  // After a request is made: the form starts over (useActionForm resets the fields), the
  // page is read again so the resource shows its request waiting, and the confirmation, at
  // the top of the form, takes the focus.
  useEffect(() => {
    if (!state?.ok) return;
    setScope("all");
    setCount("1");
    setPercent("10");
    router.refresh();
    doneRef.current?.focus();
  }, [state, router]);

  if (choices.length === 0) {
    return (
      <p className="muted" data-request-empty={action}>
        {action === "rollback"
          ? "Nothing to roll back: no resource of this service has a desired version with an earlier one to go back to."
          : "This service reports no reloadable resources yet."}
      </p>
    );
  }

  const chooseResource = (next: string) => {
    setKey(next);
    if (action === "rollback") {
      // The pre-flight is read on the server for one resource: ask for this one.
      const params = new URLSearchParams(searchParams.toString());
      params.set("rollback", next);
      router.replace(`${pathname}?${params.toString()}`, { scroll: false });
    }
  };

  const n = chosen?.liveInstances ?? 0;
  const scopeValue: RequestScope =
    scope === "count"
      ? { mode: "canary", count: Number(count) }
      : scope === "percent"
        ? { mode: "canary", percent: Number(percent) }
        : { mode: "all" };
  const canary = scope === "all" ? 0 : canarySize(scopeValue, n);
  const suggestions = chosen ? chosen.versions.filter((v) => v !== chosen.from) : [];

  return (
    <form
      ref={formRef}
      className={styles.form}
      onSubmit={onSubmit}
      aria-label={action === "reload" ? "Request a reload" : "Request a rollback"}
      data-request-form={action}
      noValidate
    >
      {state?.ok ? (
        <div ref={doneRef} tabIndex={-1}>
          <FormMessage
            state={state}
            success={(r) => (
              <span data-request-made={r.requestId}>
                <Link href={`/approvals/${r.requestId}`}>Request #{r.requestId}</Link>{" "}
                {r.status === "approved"
                  ? "is approved and on its way."
                  : `waits for ${r.requiredApprovals} approval${r.requiredApprovals === 1 ? "" : "s"}.`}
              </span>
            )}
          />
        </div>
      ) : null}
      <input type="hidden" name="serviceId" value={serviceId} />
      <input type="hidden" name="kind" value={chosen?.kind ?? ""} />
      <input type="hidden" name="resource" value={chosen?.resource ?? ""} />
      <label className={styles.field}>
        <span>What</span>
        <select
          value={key ?? ""}
          onChange={(e) => chooseResource(e.target.value)}
          aria-label="Kind and resource"
          {...invalid(state, "resource")}
        >
          {choices.map((r) => (
            <option key={r.key} value={r.key}>
              {r.kind} · {r.resource}
            </option>
          ))}
        </select>
        {chosen ? (
          <span className={styles.hint} data-resource-now>
            Now{" "}
            {chosen.desired ? (
              <>
                desired <b className="mono">{chosen.desired}</b>
              </>
            ) : (
              <>
                no desired version; most run <b className="mono">{chosen.from ?? "nothing known"}</b>
              </>
            )}{" "}
            on {chosen.liveInstances} live instance{chosen.liveInstances === 1 ? "" : "s"}
            {chosen.drift.drifting ? (
              <span className="error-text">
                {" "}
                · drifting: {chosen.drift.offDesired} off desired, {plural(chosen.drift.versionCount, "version")}
              </span>
            ) : null}
          </span>
        ) : null}
        {chosen?.openRequest ? (
          <span className={styles.hint} data-open-request>
            <Link href={`/approvals/${chosen.openRequest.id}`}>Request #{chosen.openRequest.id}</Link> for it is{" "}
            {chosen.openRequest.status.replace("_", " ")}
            {chosen.openRequest.status === "pending_approval"
              ? "; a new request replaces it."
              : "; a new one must wait until its reload is under way."}
          </span>
        ) : null}
        <FieldError state={state} name="kind" />
        <FieldError state={state} name="resource" />
      </label>

      <label className={styles.field}>
        <span>{action === "rollback" ? "Roll back to" : "Target version"}</span>
        {/* Keyed by resource: choosing another one starts from its own proposal. */}
        <input
          key={key ?? ""}
          type="text"
          name="toVersion"
          id={id("toVersion")}
          list={id("versions")}
          defaultValue={
            action === "rollback"
              ? ((key === initialKey ? initialVersion : null) ?? chosen?.rollback?.version ?? "")
              : ""
          }
          placeholder={action === "rollback" ? "" : "a version, hash or model id"}
          autoComplete="off"
          className="mono"
          {...invalid(state, "toVersion")}
        />
        <datalist id={id("versions")}>
          {suggestions.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
        {action === "rollback" && chosen?.rollback ? (
          <span className={styles.hint} data-rollback-proposal={chosen.rollback.version}>
            Proposed: <b className="mono">{chosen.rollback.version}</b>, {chosen.rollback.explanation}.
          </span>
        ) : suggestions.length > 0 ? (
          <span className={styles.hint}>Known versions are suggested as you type.</span>
        ) : null}
        <FieldError state={state} name="toVersion" />
      </label>

      {action === "rollback" && chosen ? (
        <PreflightTable preflight={preflight?.key === chosen.key ? preflight : null} />
      ) : null}

      <fieldset className={styles.field} style={{ border: 0, padding: 0, margin: 0 }}>
        <span>Scope</span>
        <div className={styles.checks} role="radiogroup" aria-label="Scope">
          <label>
            <input type="radio" name="scope" value="all" checked={scope === "all"} onChange={() => setScope("all")} />{" "}
            All instances
          </label>
          <CanaryChoice
            mode="count"
            scope={scope}
            onScope={setScope}
            name="canaryCount"
            max={Math.max(1, n - 1)}
            value={count}
            onValue={setCount}
            label="Canary instances"
            unit="instances"
            invalidProps={invalid(state, "canaryCount")}
          />
          <CanaryChoice
            mode="percent"
            scope={scope}
            onScope={setScope}
            name="canaryPercent"
            max={99}
            value={percent}
            onValue={setPercent}
            label="Canary percent"
            unit="%"
            invalidProps={invalid(state, "canaryPercent")}
          />
        </div>
        <span className={styles.hint} data-scope-preview>
          {scope === "all"
            ? `All ${n} live instance${n === 1 ? "" : "s"} at once.`
            : `${canary} instance${canary === 1 ? "" : "s"} first (the first by instance id); the other ${Math.max(0, n - canary)} once they have acked.`}
        </span>
        <FieldError state={state} name="scope" />
        <FieldError state={state} name="canaryCount" />
        <FieldError state={state} name="canaryPercent" />
      </fieldset>

      <label className={styles.field}>
        <span>Reason</span>
        <textarea
          name="reason"
          rows={2}
          placeholder="What it fixes or changes; the approvers read it"
          {...invalid(state, "reason")}
        />
        <FieldError state={state} name="reason" />
      </label>

      <span className={styles.hint}>
        {policy.required === 0
          ? "This service's policy needs no approval: it is sent as soon as it is requested."
          : `Needs ${policy.required} approval${policy.required === 1 ? "" : "s"}${policy.group ? ` from the group ${policy.group}` : ""} before it is sent; never your own.`}
      </span>
      {state && !state.ok ? <FormMessage state={state} /> : null}
      <div className={styles.actions}>
        <SubmitButton pending={pending} pendingText="Requesting…">
          {action === "reload" ? "Request reload" : "Request rollback"}
        </SubmitButton>
      </div>
    </form>
  );
}

type Scope = "all" | "count" | "percent";

interface CanaryChoiceProps {
  mode: Exclude<Scope, "all">;
  scope: Scope;
  onScope: (scope: Scope) => void;
  name: string;
  max: number;
  value: string;
  onValue: (value: string) => void;
  /** the number box's accessible name */
  label: string;
  unit: string;
  invalidProps: ReturnType<typeof invalid>;
}

/** A canary scope's radio and its number (of instances, or a percent); typing a number picks it. */
function CanaryChoice(props: CanaryChoiceProps) {
  const { mode, scope, onScope, name, max, value, onValue, label, unit, invalidProps } = props;
  return (
    <label>
      <input type="radio" name="scope" value={mode} checked={scope === mode} onChange={() => onScope(mode)} /> Canary of
      <input
        type="number"
        name={name}
        min={1}
        max={max}
        value={value}
        onChange={(e) => {
          onValue(e.target.value);
          onScope(mode);
        }}
        style={{ width: 64 }}
        aria-label={label}
        {...invalidProps}
      />
      {unit}
    </label>
  );
}

function PreflightTable({ preflight }: { preflight: RequestFormData["preflight"] }) {
  if (!preflight) return <p className={styles.hint}>Loading the pre-flight check…</p>;
  const { preflight: p, shown, total } = preflight;
  return (
    <div data-preflight={p.version}>
      <p className={styles.hint} style={{ margin: 0 }}>
        Pre-flight: {p.moving} instance{p.moving === 1 ? "" : "s"} would move to <b className="mono">{p.version}</b>
        {p.movingUnconfirmed > 0 ? (
          <span className="error-text">; {p.movingUnconfirmed} of them never ran it</span>
        ) : (
          "; every one of them ran it before"
        )}
        .
      </p>
      <div className="table-wrap" style={{ maxHeight: 240, overflowY: "auto" }}>
        <table>
          <thead>
            <tr>
              <th>Instance</th>
              <th>Runs now</th>
              <th>Would move</th>
              <th title="acked or applied it, or reported running it in a heartbeat">Ever ran {p.version}</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((row) => (
              <PreflightRow
                key={row.instance}
                row={row}
                noVersion="—"
                never={<span className="error-text">never</span>}
              />
            ))}
          </tbody>
        </table>
      </div>
      {total > shown ? (
        <p className={styles.hint}>
          Showing the first {shown} of {total}.
        </p>
      ) : null}
    </div>
  );
}
