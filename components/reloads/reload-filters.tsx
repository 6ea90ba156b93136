import { plainOptions, SelectFilter, spaced, TextFilter } from "@/components/filters/filter-fields";
import { TimePicker } from "@/components/time/time-picker";
import { KNOWN_KINDS, RELOAD_STATUSES } from "@/lib/domain/types";

export interface ReloadFilterValues {
  reloadId?: string;
  environment?: string;
  service?: string;
  q?: string;
  kind?: string;
  resource?: string;
  status?: string;
  initiator?: string;
  from?: string;
  to?: string;
}

/** A plain GET form: the filters live in the URL, and applying them starts again at the first page. */
export function ReloadFilters({ values, environments }: { values: ReloadFilterValues; environments: string[] }) {
  const envs =
    values.environment && !environments.includes(values.environment)
      ? [...environments, values.environment]
      : environments;
  // The known kinds, and a kind from the URL that is not one of them (the kind is an open string).
  const kinds =
    values.kind && !(KNOWN_KINDS as readonly string[]).includes(values.kind)
      ? [...KNOWN_KINDS, values.kind]
      : KNOWN_KINDS;
  return (
    <form className="panel filters" method="get" action="/reloads" aria-label="Filter reloads">
      {/* exact service (from a link) is kept; the box is "contains", as the fleet's */}
      {values.service ? <input type="hidden" name="service" value={values.service} /> : null}
      <TextFilter label="Service" name="q" value={values.q} placeholder="name contains…" />
      <SelectFilter label="Environment" name="environment" value={values.environment} options={plainOptions(envs)} />
      <SelectFilter
        label="Status"
        name="status"
        value={values.status}
        options={plainOptions(RELOAD_STATUSES, spaced)}
      />
      <SelectFilter label="Kind" name="kind" value={values.kind} options={plainOptions(kinds)} />
      <TextFilter label="Resource" name="resource" value={values.resource} placeholder="routes.yaml" />
      <TextFilter label="Initiator" name="initiator" value={values.initiator} placeholder="pipeline:deploy" />
      <TextFilter label="reloadId" name="reloadId" value={values.reloadId} placeholder="rl-7f3a" />
      <TimePicker from={values.from} to={values.to} label="First heard" />
      <button type="submit">Apply</button>
      <a className="button secondary" href="/reloads">
        Clear
      </a>
    </form>
  );
}
