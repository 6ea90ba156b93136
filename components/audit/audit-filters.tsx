import { plainOptions, SelectFilter, TextFilter } from "@/components/filters/filter-fields";
import { TimePicker } from "@/components/time/time-picker";
import { AUDIT_OUTCOMES, auditHref } from "@/lib/audit/filters";

/** A value from the URL that the list does not hold (an action no longer logged) stays choosable, so the select shows the filter in force. */
const withCurrent = (values: readonly string[], current: string | undefined) =>
  current && !values.includes(current) ? [current, ...values] : [...values];
const withCurrentOption = (options: { value: string; label: string }[], current: string | undefined) =>
  current && !options.some((o) => o.value === current) ? [{ value: current, label: current }, ...options] : options;

export interface AuditFilterValues {
  actor?: string;
  action?: string;
  outcome?: string;
  service?: string;
  subject?: string;
  /** "include" when sign-ins are asked for */
  signins?: string;
  from?: string;
  to?: string;
}

/**
 * A plain GET form: the filters live in the URL (a link reproduces the view), applying them
 * starts again at the newest entry, and the export link carries the same filters.
 */
export function AuditFilters({
  values,
  actions,
  actors,
}: {
  values: AuditFilterValues;
  actions: string[];
  actors: string[];
}) {
  const exportHref = auditHref(values, "/api/audit/export");
  return (
    <form className="panel filters" method="get" action="/audit" aria-label="Filter audit entries">
      <TextFilter label="Actor" name="actor" value={values.actor} placeholder="username" suggestions={actors} />
      {/* A list of the actions the log holds: nobody has to know "request.reject" by heart. */}
      <SelectFilter
        label="Action"
        name="action"
        value={values.action}
        options={plainOptions(withCurrent(actions, values.action))}
        anyLabel="All actions"
      />
      <SelectFilter
        label="Outcome"
        name="outcome"
        value={values.outcome}
        options={withCurrentOption(
          [...plainOptions(AUDIT_OUTCOMES), { value: "denied,invalid,failed", label: "not allowed" }],
          values.outcome,
        )}
        anyLabel="All outcomes"
      />
      <TextFilter label="Service" name="service" value={values.service} placeholder="exact name" />
      <TextFilter label="Subject" name="subject" value={values.subject} placeholder="reload_request:12" />
      {/* from/to as the URL holds them (now-1h, or UTC …Z): the export below carries the same text. */}
      <TimePicker from={values.from} to={values.to} />
      <label className="check">
        <input
          type="checkbox"
          name="signins"
          value="include"
          defaultChecked={values.signins === "include"}
          data-include-signins
        />
        Include sign-ins
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
