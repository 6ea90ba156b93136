import { offersRollbackTo } from "@/lib/domain/rollback";
import type { RequestFormData } from "@/lib/requests/queries";
import type { ReloadSummary } from "@/lib/services/queries";

/** "Roll back to this" for a history row: the rollback form, opened on the row's resource and version. */
export function rollbackHrefFor(data: RequestFormData): (reload: ReloadSummary) => string | null {
  const byKey = new Map(data.resources.map((r) => [r.key, r]));
  return (reload) => {
    const key = `${reload.kind}/${reload.resource}`;
    const resource = byKey.get(key);
    if (
      !resource?.rollback ||
      !offersRollbackTo({ toVersion: reload.toVersion, acked: reload.instancesSucceeded }, resource.desired)
    )
      return null;
    const params = new URLSearchParams({ request: "rollback", rollback: key, to: reload.toVersion! });
    return `/services/${data.service.id}?${params}#request`;
  };
}
