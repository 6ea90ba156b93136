import type { ServiceOption } from "@/lib/admin/queries";
import { serviceLabel } from "@/lib/format";

/** A service picker grouped by environment; `value` is the service id. */
export function ServiceOptions({ services }: { services: ServiceOption[] }) {
  const byEnvironment = new Map<string, ServiceOption[]>();
  for (const service of services) {
    const list = byEnvironment.get(service.environment) ?? [];
    list.push(service);
    byEnvironment.set(service.environment, list);
  }
  return (
    <>
      {[...byEnvironment].map(([environment, list]) => (
        <optgroup key={environment} label={environment}>
          {list.map((service) => (
            <option key={service.id} value={service.id}>
              {serviceLabel(service)}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
}
