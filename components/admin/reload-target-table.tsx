"use client";
import { removeReloadTarget } from "@/lib/admin/actions/remove-reload-target";
import type { ReloadTargetRow } from "@/lib/admin/queries";
import { isoUtc, relativeTime, serviceLabel } from "@/lib/format";
import { ConfirmButton } from "./form-kit";

export function ReloadTargetTable({ targets, now }: { targets: ReloadTargetRow[]; now: Date }) {
  return (
    <div className="table-wrap">
      <table aria-label="Reload targets">
        <thead>
          <tr>
            <th>Service</th>
            <th>URL</th>
            <th>Secret</th>
            <th>Set</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {targets.map((target) => (
            <tr key={target.service.id} data-target-service={target.service.id}>
              <td>
                <a href={`/services/${target.service.id}`}>{serviceLabel(target.service)}</a>
              </td>
              <td>
                <code style={{ wordBreak: "break-all" }}>{target.url}</code>
              </td>
              <td>
                <span className="badge ok">secret set</span>
              </td>
              <td title={isoUtc(target.updatedAt)}>
                {relativeTime(target.updatedAt, now)}
                <div className="when">by {target.updatedBy ?? "the app (demo) or a removed user"}</div>
              </td>
              <td style={{ whiteSpace: "nowrap" }}>
                <a href={`/admin/targets?service=${target.service.id}#set-target`}>Change</a>{" "}
                <ConfirmButton
                  label="Remove"
                  question={`Remove the target of ${serviceLabel(target.service)}? Its reloads fail (“no reload target configured”) until a new one is set.`}
                  confirmLabel="Remove"
                  pendingText="Removing…"
                  run={() => removeReloadTarget({ serviceId: target.service.id })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
