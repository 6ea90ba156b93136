import { AUDIT_OUTCOMES, auditHref } from "@/lib/audit/filters";

export interface AuditFilterValues {
  actor?: string;
  action?: string;
  outcome?: string;
  service?: string;
  subject?: string;
  from?: string;
  to?: string;
}

/**
 * A plain GET form: the filters live in the URL (a link reproduces the view), applying them
 * starts again at the newest entry, and the export link carries the same filters.
 */
export function AuditFilters({ values, actions, actors }: { values: AuditFilterValues; actions: string[]; actors: string[] }) {
  const exportHref = auditHref(values, "/api/audit/export");
  return (
    <form className="panel filters" method="get" action="/audit" aria-label="Filter audit entries">
      <label>
        Actor
        <input type="search" name="actor" list="audit-actors" defaultValue={values.actor ?? ""} placeholder="username" />
        <datalist id="audit-actors">
          {actors.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </label>
      <label>
        Action
        <input type="search" name="action" list="audit-actions" defaultValue={values.action ?? ""} placeholder="request.approve" />
        <datalist id="audit-actions">
          {actions.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </label>
      <label>
        Outcome
        <select name="outcome" defaultValue={values.outcome ?? ""}>
          <option value="">All</option>
          {AUDIT_OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
          <option value="denied,invalid,failed">not allowed</option>
        </select>
      </label>
      <label>
        Service
        <input type="search" name="service" defaultValue={values.service ?? ""} placeholder="exact name" />
      </label>
      <label>
        Subject
        <input type="search" name="subject" defaultValue={values.subject ?? ""} placeholder="reload_request:12" />
      </label>
      <label>
        From (UTC)
        <input type="datetime-local" name="from" defaultValue={values.from ?? ""} step={1} />
      </label>
      <label>
        Before (UTC)
        <input type="datetime-local" name="to" defaultValue={values.to ?? ""} step={1} />
      </label>
      <button type="submit">Apply</button>
      <a className="button secondary" href="/audit">
        Clear
      </a>
      <a className="button secondary" href={exportHref} download data-export>
        Export CSV
      </a>
    </form>
  );
}
