import { plainOptions, SelectFilter, TextFilter } from "@/components/filters/filter-fields";
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
      <TextFilter label="Actor" name="actor" value={values.actor} placeholder="username" suggestions={actors} />
      <TextFilter label="Action" name="action" value={values.action} placeholder="request.approve" suggestions={actions} />
      <SelectFilter label="Outcome" name="outcome" value={values.outcome} options={[...plainOptions(AUDIT_OUTCOMES), { value: "denied,invalid,failed", label: "not allowed" }]} />
      <TextFilter label="Service" name="service" value={values.service} placeholder="exact name" />
      <TextFilter label="Subject" name="subject" value={values.subject} placeholder="reload_request:12" />
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
