import { RELOAD_STATUSES } from "@/lib/domain/types";
import { KNOWN_KINDS } from "@/lib/domain/types";

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
      <label>
        Service
        <input type="search" name="service" defaultValue={values.service ?? ""} placeholder="exact name" />
      </label>
      <label>
        Environment
        <select name="environment" defaultValue={values.environment ?? ""}>
          <option value="">All</option>
          {envs.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select name="status" defaultValue={values.status ?? ""}>
          <option value="">All</option>
          {RELOAD_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace("_", " ")}
            </option>
          ))}
        </select>
      </label>
      <label>
        Kind
        <input type="search" name="kind" list="reload-kinds" defaultValue={values.kind ?? ""} placeholder="any" />
        <datalist id="reload-kinds">
          {KNOWN_KINDS.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
      </label>
      <label>
        Initiator
        <input type="search" name="initiator" defaultValue={values.initiator ?? ""} placeholder="pipeline:deploy" />
      </label>
      <label>
        reloadId
        <input type="search" name="reloadId" defaultValue={values.reloadId ?? ""} placeholder="rl-7f3a" />
      </label>
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
