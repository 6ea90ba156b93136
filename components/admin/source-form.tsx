"use client";
import { addSourceForm } from "@/lib/sources/actions/add-source";
import styles from "./admin.module.css";
import { FieldError, FormActions, FormMessage, invalid, TextField, useActionForm } from "./form-kit";

export function SourceForm() {
  const { state, pending, onSubmit, formRef } = useActionForm(addSourceForm);
  return (
    <form ref={formRef} className={styles.form} onSubmit={onSubmit} aria-label="Add a source" noValidate>
      <FormMessage
        state={state}
        success={(s) => <>Source {s.name} added: the worker queries it from its next pass. Use Test to query it now.</>}
      />
      <div className={styles.row}>
        <TextField
          state={state}
          label="Name"
          name="name"
          type="text"
          placeholder="prometheus-eu"
          autoComplete="off"
          hint={
            <>
              Reloads it sees are initiated by <code>source:&lt;name&gt;</code>.
            </>
          }
        />
        <TextField
          state={state}
          label="Query API URL"
          name="url"
          type="url"
          placeholder="http://prometheus.monitoring:9090"
          autoComplete="off"
          hint={
            <>
              Prometheus, Thanos, Mimir (…/prometheus) or VictoriaMetrics: the base of <code>/api/v1/query</code>.
            </>
          }
        />
      </div>
      <TextField
        state={state}
        label="Bearer token (optional)"
        name="token"
        type="password"
        autoComplete="new-password"
        hint="Stored encrypted; never shown again. To change it, remove the source and add it again."
      />
      <div className={styles.row}>
        <TextField
          state={state}
          label="Environment labels"
          name="environmentLabels"
          type="text"
          defaultValue="env, environment"
        />
        <TextField
          state={state}
          label="Environment when none of them is set"
          name="defaultEnvironment"
          type="text"
          defaultValue="default"
        />
      </div>
      <div className={styles.row}>
        <TextField state={state} label="Service label" name="serviceLabel" type="text" defaultValue="job" />
        <TextField state={state} label="Instance label" name="instanceLabel" type="text" defaultValue="instance" />
      </div>
      <label className={styles.field}>
        <span>Rules of its own (optional)</span>
        <textarea
          name="rules"
          rows={3}
          placeholder={"# metric kind resource [versionLabel]\nfraud_model_info model fraud-model model_version"}
          {...invalid(state, "rules")}
        />
        <span className={styles.hint}>
          One per line: a metric whose value (or the named label) is the version of a resource. A new version is{" "}
          <code>applied</code>, an unchanged one a heartbeat.
        </span>
        <FieldError state={state} name="rules" />
      </label>
      <FormActions pending={pending} pendingText="Adding…">
        Add source
      </FormActions>
    </form>
  );
}
