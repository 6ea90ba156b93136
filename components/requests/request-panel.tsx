import Link from "next/link";
import { ClockIcon } from "@/components/icons";
import { can, type Role } from "@/lib/domain/permissions";
import type { RequestFormData } from "@/lib/requests/queries";
import { RequestForm } from "./request-form";
import styles from "./requests.module.css";

// "Request reload" and "Request rollback" on the service page and the reload page. Hiding is
// a courtesy (the actions check on the server): a viewer sees no button at all, an approver
// sees them disabled with the reason, operators and admins open the forms. `open` names the
// form a link asked for (?request=reload|rollback from the page's header or a history row).

export type OpenForm = "reload" | "rollback" | null;

export function RequestPanel({
  data,
  role,
  initialKey,
  open = null,
  rollbackTo = null,
}: {
  data: RequestFormData;
  role: Role | null;
  initialKey: string | null;
  open?: OpenForm;
  rollbackTo?: string | null;
}) {
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
  // The pre-flight was read for this version: the form starts from it.
  const rollbackStart = rollbackTo && data.preflight?.preflight.version === rollbackTo ? rollbackTo : null;
  return (
    <section className={`panel ${styles.panel}`} data-request-panel="enabled" id="request">
      <details id="request-reload" className={styles.block} open={open === "reload"}>
        <summary>Request reload</summary>
        {mayReload ? (
          <RequestForm
            action="reload"
            serviceId={data.service.id}
            resources={data.resources}
            initialKey={initialKey}
            policy={data.policy}
            preflight={null}
          />
        ) : null}
      </details>
      <details id="request-rollback" className={styles.block} open={open === "rollback"}>
        <summary>Request rollback</summary>
        {mayRollback ? (
          <RequestForm
            action="rollback"
            serviceId={data.service.id}
            resources={data.resources}
            initialKey={data.preflight?.key ?? initialKey}
            initialVersion={rollbackStart}
            policy={data.policy}
            preflight={data.preflight}
          />
        ) : null}
      </details>
    </section>
  );
}

/**
 * The service page's header: the two actions where an operator looks first, and every
 * resource with a request still waiting or on its way, for everyone.
 */
export function RequestHeaderActions({ data, role }: { data: RequestFormData; role: Role | null }) {
  const base = `/services/${data.service.id}`;
  const waiting = data.resources.filter((r) => r.openRequest);
  const mayReload = can(role, "reload.request");
  const mayRollback = can(role, "rollback.request") && data.resources.some((r) => r.rollback);
  return (
    <div className={styles.headActions} data-request-actions>
      {waiting.map((r) => (
        <Link key={r.key} href={`/approvals/${r.openRequest!.id}`} className="badge drift" data-pending-request={r.key}>
          <ClockIcon />
          {r.kind}/{r.resource}: request #{r.openRequest!.id} {r.openRequest!.status.replaceAll("_", " ")}
        </Link>
      ))}
      {mayReload ? (
        <Link className="button" href={`${base}?request=reload#request`} data-open-request="reload">
          Request reload
        </Link>
      ) : null}
      {mayRollback ? (
        <Link className="button secondary" href={`${base}?request=rollback#request`} data-open-request="rollback">
          Request rollback
        </Link>
      ) : null}
    </div>
  );
}
