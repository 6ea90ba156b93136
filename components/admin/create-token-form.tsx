"use client";
import { useState } from "react";
import { createTokenForm, type CreatedToken } from "@/lib/admin/actions/create-token";
import type { ActionResult } from "@/lib/auth/define-action";
import styles from "./admin.module.css";
import { FieldError, FormActions, FormMessage, invalid, ShowOnce, TextField, useActionForm } from "./form-kit";

const SCOPE_HINTS = {
  ingest: "send reload events (/api/v1/events) and traces (/v1/traces)",
  read: "read reloads (/api/v1/reloads), e.g. a pipeline waiting for a reload to converge",
} as const;

export function CreateTokenForm() {
  const { state, pending, onSubmit, formRef } = useActionForm(createTokenForm);
  // The answer that carried the token, once dismissed, is not shown again.
  const [dismissed, setDismissed] = useState<ActionResult<CreatedToken> | null>(null);
  const created = state?.ok && state !== dismissed ? state.data : null;
  return (
    <form ref={formRef} className={styles.form} onSubmit={onSubmit} aria-label="Create a token" noValidate>
      {created ? (
        <ShowOnce title={`Token “${created.name}”`} value={created.token} onDone={() => setDismissed(state)}>
          <span className={styles.hint}>
            Scopes: {created.scopes.join(", ")}. Services:{" "}
            {created.restrictions ? created.restrictions.join(", ") : "all"}. It appears in the list as{" "}
            <code>{created.prefix}</code>. Send it as <code>Authorization: Bearer …</code>.
          </span>
        </ShowOnce>
      ) : null}
      <TextField
        state={state}
        label="Name"
        name="name"
        type="text"
        autoComplete="off"
        placeholder="payments pipeline"
        hint="Who or what will use it, so the list says whose it is when you revoke it."
      />
      <fieldset className={styles.field} style={{ border: 0, padding: 0, margin: 0 }} {...invalid(state, "scopes")}>
        <span>Scopes</span>
        <div className={styles.checks}>
          {(Object.keys(SCOPE_HINTS) as (keyof typeof SCOPE_HINTS)[]).map((scope) => (
            <label key={scope} title={SCOPE_HINTS[scope]}>
              <input type="checkbox" name="scopes" value={scope} defaultChecked /> <code>{scope}</code>
              <span className={styles.hint}>{SCOPE_HINTS[scope]}</span>
            </label>
          ))}
        </div>
        <FieldError state={state} name="scopes" />
      </fieldset>
      <label className={styles.field}>
        <span>Services (optional)</span>
        <textarea
          name="restrictions"
          rows={3}
          autoComplete="off"
          placeholder={"prod/*\nstaging/payments/*"}
          {...invalid(state, "restrictions")}
        />
        <span className={styles.hint}>
          Restrict the token to these services, one pattern a line or comma-separated: <code>prod/*</code> (an
          environment), <code>staging/payments/*</code> (a namespace), <code>prod/payments/checkout-api</code> (one
          service; <code>prod//edge</code> for one without a namespace). Empty: every service. Events, spans and reads
          outside them are refused.
        </span>
        <FieldError state={state} name="restrictions" />
      </label>
      {state && !state.ok ? <FormMessage state={state} /> : null}
      <FormActions pending={pending} pendingText="Creating…">
        Create token
      </FormActions>
    </form>
  );
}
