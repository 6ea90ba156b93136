// What the version matrix shows, as text: every time, count and title formatted once, on the
// server (or in the replay player), so the table that renders it does no arithmetic and a
// browser hydrating it prints exactly what the server did. This is what the fleet page sends to
// the browser for its 100 rows (matrix-table.tsx), so a field that says nothing is left out
// rather than sent as null or []. Pure; client-safe.
import type { AlertBadge, ServiceAlertBadges } from "@/lib/alerts/queries";
import { compositeKey } from "@/lib/domain/keys";
import type { MatrixResourceCell, MatrixRow } from "@/lib/domain/matrix";
import { fleetHref, type FleetFilters } from "@/lib/fleet/filters";
import type { FleetMatrix } from "@/lib/fleet/queries";
import type { CellReload } from "@/lib/fleet/cell-reloads";
import { formatAge, formatDuration, isoUtc, relativeTime } from "@/lib/format";

export interface VersionView {
  /** the version, or "unknown" for pairs that reported progress but no version yet */
  text: string;
  instances: number;
  /** desired: the desired version; off: another known version while one is desired; absent: no desired version */
  tone?: "desired" | "off";
}

export interface BadgeView {
  tone: "drift" | "bad" | "info" | "neutral";
  text: string;
  /** why, for the drift badge */
  title?: string;
}

export interface CellView {
  resource: string;
  /** problem: failed or NACKed instances; drift: drifting (absent: neither) */
  state?: "problem" | "drift";
  badges?: BadgeView[];
  /** most instances first */
  versions: VersionView[];
  /** the desired version when some instance runs another one (it may run on none) */
  desired?: string;
  /** "drifting 12m": how long the resource has drifted, shown on the cell itself (absent: not drifting) */
  driftAge?: string;
  /** why it drifts: "2 versions running; 1 off the desired r-2202 for 20m 0s+" */
  driftWhy?: string;
  /** "7m ago": the latest move of a live instance to the version it runs */
  changed: string;
  /** the same instant, exact, in UTC */
  changedAt: string;
  /** the reload that last changed the resource */
  reload?: CellReload;
}

export interface RowView {
  serviceId: number;
  name: string;
  drifting: boolean;
  /** the service's open alerts, linking to them (absent: none) */
  alerts?: BadgeView & { href: string };
  /** "20 instances · last event 6m ago" */
  summary: string;
  lastEventAt: string;
  /** one list per kind of the matrix, in its order; empty when the service has none of that kind */
  cells: CellView[][];
}

export interface MatrixView {
  kinds: string[];
  groups: { label: string; rows: RowView[] }[];
  pager: { label: string; previous: string | null; next: string | null } | null;
}

/** `alerts`: the open alerts of the page's services (the fleet page reads them; the replay shows the past, so none). */
export function matrixView(matrix: FleetMatrix, filters: FleetFilters, alerts?: ServiceAlertBadges): MatrixView {
  const now = matrix.generatedAt;
  return {
    kinds: matrix.kinds,
    groups: matrix.groups.map((group) => ({
      label: group.namespace ? `${group.environment} / ${group.namespace}` : group.environment,
      rows: group.rows.map((row) => rowView(row, matrix.kinds, matrix.lastReloads, now, alerts)),
    })),
    pager:
      matrix.pageCount > 1
        ? {
            label: `Page ${matrix.page} of ${matrix.pageCount}`,
            previous: matrix.page > 1 ? fleetHref({ ...filters, page: matrix.page - 1 }) : null,
            next: matrix.page < matrix.pageCount ? fleetHref({ ...filters, page: matrix.page + 1 }) : null,
          }
        : null,
  };
}

function rowView(
  row: MatrixRow,
  kinds: string[],
  lastReloads: FleetMatrix["lastReloads"],
  now: Date,
  alerts?: ServiceAlertBadges,
): RowView {
  const { service } = row;
  const view: RowView = {
    serviceId: service.id,
    name: service.name,
    drifting: row.drifting,
    summary: `${service.instanceCount} instance${service.instanceCount === 1 ? "" : "s"} · last event ${relativeTime(service.lastEventAt, now)}`,
    lastEventAt: isoUtc(service.lastEventAt),
    cells: kinds.map((kind) =>
      (row.cells[kind] ?? []).map((cell) =>
        cellView(
          cell,
          lastReloads[compositeKey(service.id, kind, cell.resource)],
          now,
          alerts?.byResource.get(`${service.id}/${kind}/${cell.resource}`),
        ),
      ),
    ),
  };
  const open = alerts?.byService.get(service.id);
  if (open) {
    const path = [service.environment, service.namespace, service.name].filter(Boolean).join("/");
    view.alerts = {
      ...alertBadge(open),
      href: `/alerts?service=${encodeURIComponent(path)}${open.firing === 0 ? "&tab=acknowledged" : ""}`,
    };
  }
  return view;
}

/** "2 alerts" in the tone of the worst firing one; acknowledged-only is neutral. */
export function alertBadge(open: AlertBadge): BadgeView {
  const tone: BadgeView["tone"] =
    open.firing === 0 ? "neutral" : open.worst === "critical" ? "bad" : open.worst === "warning" ? "drift" : "info";
  const acknowledged = open.open - open.firing;
  return {
    tone,
    text:
      open.firing > 0
        ? `${open.firing} alert${open.firing === 1 ? "" : "s"}`
        : `${acknowledged} ack'd alert${acknowledged === 1 ? "" : "s"}`,
    title: `open alerts: ${open.firing} firing, ${acknowledged} acknowledged`,
  };
}

export function cellView(
  cell: MatrixResourceCell,
  reload: CellReload | undefined,
  now: Date,
  alerts?: AlertBadge,
): CellView {
  const { drift } = cell;
  const badges: BadgeView[] = [];
  // Drift is not a badge: the cell's own drift line says it, with its age and why (driftWhy).
  if (cell.nacked) badges.push({ tone: "bad", text: `${cell.nacked} NACK` });
  if (cell.failed) badges.push({ tone: "bad", text: `${cell.failed} failed` });
  if (cell.inProgress) badges.push({ tone: "info", text: `${cell.inProgress} reloading` });
  if (cell.rolledBack) badges.push({ tone: "neutral", text: `${cell.rolledBack} rolled back` });
  if (alerts) badges.push(alertBadge(alerts));
  const view: CellView = {
    resource: cell.resource,
    versions: cell.versions.map((v) => {
      const version: VersionView = { text: v.version ?? "unknown", instances: v.instances };
      if (v.isDesired) version.tone = "desired";
      else if (cell.desired !== null && v.version !== null) version.tone = "off";
      return version;
    }),
    changed: relativeTime(cell.lastChangeAt, now),
    changedAt: isoUtc(cell.lastChangeAt),
  };
  if (cell.failed + cell.nacked > 0) view.state = "problem";
  else if (drift.drifting) view.state = "drift";
  if (badges.length) view.badges = badges;
  if (cell.desired !== null && cell.versions.some((v) => !v.isDesired)) view.desired = cell.desired;
  if (drift.drifting) {
    view.driftAge = `drifting ${formatAge(drift.driftingForMs ?? 0)}`;
    view.driftWhy = driftTitle(cell);
  }
  if (reload) view.reload = reload;
  return view;
}

function driftTitle(cell: MatrixResourceCell): string {
  const { drift } = cell;
  const why: string[] = [];
  if (drift.reasons.includes("mixed_versions")) why.push(`${drift.versionCount} versions running`);
  if (drift.reasons.includes("off_desired")) why.push(`${drift.offDesired} off the desired ${cell.desired}`);
  return `${why.join("; ")} for ${formatDuration(drift.driftingForMs)}+`;
}
