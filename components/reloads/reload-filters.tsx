import { plainOptions, SelectFilter, spaced, TextFilter } from "@/components/filters/filter-fields";
import { KNOWN_KINDS, RELOAD_STATUSES } from "@/lib/domain/types";

export interface ReloadFilterValues {
  reloadId?: string;
  environment?: string;
  service?: string;
  kind?: string;
  status?: string;
  initiator?: string;
  from?: string;
  to?: string;
}

/** A plain GET form: the filters live in the URL, and applying them starts again at the first page. */
export function ReloadFilters({ values, environments }: { values: ReloadFilterValues; environments: string[] }) {
  const envs = values.environment && !environments.includes(values.environment) ? [...environments, values.environment] : environments;
  return (
    <form className="panel filters" method="get" action="/reloads" aria-label="Filter reloads">
      <TextFilter label="Service" name="service" value={values.service} placeholder="exact name" />
      <SelectFilter label="Environment" name="environment" value={values.environment} options={plainOptions(envs)} />
      <SelectFilter label="Status" name="status" value={values.status} options={plainOptions(RELOAD_STATUSES, spaced)} />
      <TextFilter label="Kind" name="kind" value={values.kind} placeholder="any" suggestions={KNOWN_KINDS} />
      <TextFilter label="Initiator" name="initiator" value={values.initiator} placeholder="pipeline:deploy" />
      <TextFilter label="reloadId" name="reloadId" value={values.reloadId} placeholder="rl-7f3a" />
      <label>
        From (UTC)
        <input type="date" name="from" defaultValue={values.from ?? ""} />
      </label>
      <label>
        Before (UTC)
        <input type="date" name="to" defaultValue={values.to ?? ""} />
      </label>
      <button type="submit">Apply</button>
      <a className="button secondary" href="/reloads">
        Clear
      </a>
    </form>
  );
}
