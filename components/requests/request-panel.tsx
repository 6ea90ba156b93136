import { can, type Role } from "@/lib/domain/permissions";
import type { RequestFormData } from "@/lib/requests/queries";
import { RequestForm } from "./request-form";
import styles from "./requests.module.css";

// "Request reload" and "Request rollback" on the service page and the reload page. Hiding is
// a courtesy (the actions check on the server): a viewer sees no button at all, an approver
// sees them disabled with the reason, operators and admins open the forms.

export function RequestPanel({ data, role, initialKey }: { data: RequestFormData; role: Role | null; initialKey: string | null }) {
  const mayReload = can(role, "reload.request");
  const mayRollback = can(role, "rollback.request");
  if (!mayReload && !mayRollback) {
    if (role === "approver") {
      return (
        <div className={styles.disabled} data-request-panel="disabled">
          <button type="button" disabled title="operators and admins request reloads">
            Request reload
          </button>{" "}
          <button type="button" disabled title="operators and admins request reloads">
            Request rollback
          </button>{" "}
          <span className="muted">operators and admins request reloads</span>
        </div>
      );
    }
    return null;
  }
  return (
    <section className={`panel ${styles.panel}`} data-request-panel="enabled" id="request">
      <details id="request-reload" className={styles.block}>
        <summary>Request reload</summary>
        {mayReload ? (
          <RequestForm action="reload" serviceId={data.service.id} resources={data.resources} initialKey={initialKey} policy={data.policy} preflight={null} />
        ) : null}
      </details>
      <details id="request-rollback" className={styles.block}>
        <summary>Request rollback</summary>
        {mayRollback ? (
          <RequestForm action="rollback" serviceId={data.service.id} resources={data.resources} initialKey={data.preflight?.key ?? initialKey} policy={data.policy} preflight={data.preflight} />
        ) : null}
      </details>
    </section>
  );
}
