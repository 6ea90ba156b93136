"use client";
import { addSourceForm } from "@/lib/sources/actions/add-source";
import styles from "./admin.module.css";
import { FieldError, FormMessage, invalid, SubmitButton, useActionForm } from "./form-kit";

export function SourceForm() {
  const { state, pending, onSubmit, formRef } = useActionForm(addSourceForm);
  return (
    <form ref={formRef} className={styles.form} onSubmit={onSubmit} aria-label="Add a source" noValidate>
      <FormMessage state={state} success={(s) => <>Source {s.name} added: the worker queries it from its next pass. Use Test to query it now.</>} />
      <div className={styles.row}>
        <label className={styles.field}>
          <span>Name</span>
          <input type="text" name="name" placeholder="prometheus-eu" autoComplete="off" {...invalid(state, "name")} />
          <span className={styles.hint}>Reloads it sees are initiated by <code>source:&lt;name&gt;</code>.</span>
          <FieldError state={state} name="name" />
        </label>
        <label className={styles.field}>
          <span>Query API URL</span>
          <input type="url" name="url" placeholder="http://prometheus.monitoring:9090" autoComplete="off" {...invalid(state, "url")} />
          <span className={styles.hint}>Prometheus, Thanos, Mimir (…/prometheus) or VictoriaMetrics: the base of <code>/api/v1/query</code>.</span>
          <FieldError state={state} name="url" />
        </label>
      </div>
      <label className={styles.field}>
        <span>Bearer token (optional)</span>
        <input type="password" name="token" autoComplete="new-password" {...invalid(state, "token")} />
        <span className={styles.hint}>Stored encrypted; never shown again. To change it, remove the source and add it again.</span>
        <FieldError state={state} name="token" />
      </label>
      <div className={styles.row}>
        <label className={styles.field}>
          <span>Environment labels</span>
          <input type="text" name="environmentLabels" defaultValue="env, environment" {...invalid(state, "environmentLabels")} />
          <FieldError state={state} name="environmentLabels" />
        </label>
        <label className={styles.field}>
          <span>Environment when none of them is set</span>
          <input type="text" name="defaultEnvironment" defaultValue="default" {...invalid(state, "defaultEnvironment")} />
          <FieldError state={state} name="defaultEnvironment" />
        </label>
      </div>
      <div className={styles.row}>
        <label className={styles.field}>
          <span>Service label</span>
          <input type="text" name="serviceLabel" defaultValue="job" {...invalid(state, "serviceLabel")} />
          <FieldError state={state} name="serviceLabel" />
        </label>
        <label className={styles.field}>
          <span>Instance label</span>
          <input type="text" name="instanceLabel" defaultValue="instance" {...invalid(state, "instanceLabel")} />
          <FieldError state={state} name="instanceLabel" />
        </label>
      </div>
      <label className={styles.field}>
        <span>Rules of its own (optional)</span>
        <textarea name="rules" rows={3} placeholder={"# metric kind resource [versionLabel]\nfraud_model_info model fraud-model model_version"} {...invalid(state, "rules")} />
        <span className={styles.hint}>
          One per line: a metric whose value (or the named label) is the version of a resource. A new version is <code>applied</code>, an unchanged one a heartbeat.
        </span>
        <FieldError state={state} name="rules" />
      </label>
      <div className={styles.actions}>
        <SubmitButton pending={pending} pendingText="Adding…">
          Add source
        </SubmitButton>
      </div>
    </form>
  );
}
