"use client";
import { useState } from "react";
import { saveReloadTargetForm, type SavedTarget } from "@/lib/admin/actions/save-reload-target";
import type { ServiceOption } from "@/lib/admin/queries";
import type { ActionResult } from "@/lib/auth/define-action";
import { PLAIN_HTTP_REASON, TARGET_SECRET_MIN } from "@/lib/domain/admin-rules";
import styles from "./admin.module.css";
import { FieldError, FormActions, FormMessage, invalid, ShowOnce, TextField, useActionForm } from "./form-kit";
import { ServiceOptions } from "./service-select";

type SecretMode = "generate" | "enter" | "keep";

/** The secret's choices, in the form's order; "keep" only for a service that has a target. */
const SECRET_MODES: readonly (readonly [SecretMode, string])[] = [
  ["generate", "Generate one (shown once after saving)"],
  ["enter", "Enter my own"],
  ["keep", "Keep the current secret"],
];

export function ReloadTargetForm({
  services,
  existing,
  initialServiceId,
}: {
  services: ServiceOption[];
  /** service id → its current URL, for the services that have a target */
  existing: Record<number, string>;
  initialServiceId: number | null;
}) {
  const { state, pending, onSubmit } = useActionForm(saveReloadTargetForm, { resetOnSuccess: false });
  const [serviceId, setServiceId] = useState<number | null>(
    initialServiceId !== null && services.some((s) => s.id === initialServiceId) ? initialServiceId : null,
  );
  const current = serviceId !== null ? existing[serviceId] : undefined;
  const [mode, setMode] = useState<SecretMode>(current ? "keep" : "generate");
  const [dismissed, setDismissed] = useState<ActionResult<SavedTarget> | null>(null);
  const effectiveMode: SecretMode = mode === "keep" && !current ? "generate" : mode;
  const saved = state?.ok && state !== dismissed ? state.data : null;

  return (
    <form className={styles.form} onSubmit={onSubmit} aria-label="Set a reload target" noValidate>
      {saved?.generatedSecret ? (
        <ShowOnce title="Generated secret" value={saved.generatedSecret} onDone={() => setDismissed(state)}>
          <span className={styles.hint}>
            Configure the service with it: each reload request carries{" "}
            <code>X-Reloadscope-Signature: sha256=&lt;hex&gt;</code>, the HMAC-SHA256 of the exact body under this
            secret, which the service checks before acting.
          </span>
        </ShowOnce>
      ) : saved ? (
        <FormMessage
          state={state}
          success={(t) => (
            <>
              Target {t.created ? "set" : "saved"}: {t.url}
            </>
          )}
        />
      ) : null}
      <label className={styles.field}>
        <span>Service</span>
        <select
          name="serviceId"
          value={serviceId ?? ""}
          onChange={(e) => {
            const id = e.target.value ? Number(e.target.value) : null;
            setServiceId(id);
            setMode(id !== null && existing[id] ? "keep" : "generate");
          }}
          {...invalid(state, "serviceId")}
        >
          <option value="">Choose a service…</option>
          <ServiceOptions services={services} />
        </select>
        {current ? <span className={styles.hint}>This service has a target: saving replaces it.</span> : null}
        <FieldError state={state} name="serviceId" />
      </label>
      <label className={styles.field}>
        <span>URL</span>
        <input
          key={serviceId ?? "none"}
          type="url"
          name="url"
          defaultValue={current ?? ""}
          placeholder="https://checkout.internal/reloadscope/reload"
          autoComplete="off"
          {...invalid(state, "url")}
        />
        <span className={styles.hint}>
          https://, or http:// for 127.0.0.1, localhost and [::1] only. {PLAIN_HTTP_REASON}
        </span>
        <FieldError state={state} name="url" />
      </label>
      <fieldset className={styles.field} style={{ border: 0, padding: 0, margin: 0 }}>
        <span>Secret</span>
        <div className={styles.checks}>
          {SECRET_MODES.filter(([value]) => value !== "keep" || current).map(([value, label]) => (
            <label key={value}>
              <input
                type="radio"
                name="secretMode"
                value={value}
                checked={effectiveMode === value}
                onChange={() => setMode(value)}
              />
              {label}
            </label>
          ))}
        </div>
        <FieldError state={state} name="secretMode" />
      </fieldset>
      {effectiveMode === "enter" ? (
        <TextField
          state={state}
          label="Your secret"
          name="secret"
          type="password"
          autoComplete="off"
          minLength={TARGET_SECRET_MIN}
          hint={<>At least {TARGET_SECRET_MIN} characters. Stored encrypted; never shown again, not even here.</>}
        />
      ) : null}
      {state && !state.ok ? <FormMessage state={state} /> : null}
      <FormActions pending={pending} pendingText="Saving…">
        Save target
      </FormActions>
    </form>
  );
}
