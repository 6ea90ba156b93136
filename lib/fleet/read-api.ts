// The fleet matrix as the read API answers it (GET /api/v1/fleet, `reloadscope status`):
// parameters checked strictly, a bad one named in a 400, since a script that mistypes a
// filter must not read the wrong fleet; the matrix flattened to services × kind × resource.
import { FLEET_PAGE_SIZE, type FleetFilters } from "./filters";
import type { FleetMatrix } from "./queries";
import type { DriftReason } from "@/lib/domain/drift";
import {
  checkParameterNames,
  InvalidParameter,
  parseParameters,
  textParameter,
  type ParsedParameters,
} from "@/lib/query-params";

const TEXT = ["environment", "namespace", "kind", "q"] as const;
const FLAGS = ["drifting", "failing"] as const;
const PARAMETERS = [...TEXT, ...FLAGS, "page"] as const;

export function parseFleetReadQuery(params: URLSearchParams): ParsedParameters<FleetFilters> {
  return parseParameters(() => {
    checkParameterNames(params, PARAMETERS);
    const text = (name: (typeof TEXT)[number]) => {
      const value = params.get(name)?.trim();
      return value ? textParameter(name, value, 200) : undefined;
    };
    const flag = (name: (typeof FLAGS)[number]) => {
      const value = params.get(name);
      if (value === null) return false;
      if (!["1", "0", "true", "false"].includes(value)) throw new InvalidParameter(name, "use 1, 0, true or false");
      return value === "1" || value === "true";
    };
    const pageText = params.get("page");
    if (pageText !== null && !/^[1-9]\d{0,4}$/.test(pageText))
      throw new InvalidParameter("page", "a whole number from 1");
    return {
      env: text("environment"),
      ns: text("namespace"),
      kind: text("kind"),
      q: text("q"),
      drifting: flag("drifting"),
      failing: flag("failing"),
      page: pageText === null ? 1 : Number(pageText),
    };
  });
}

export interface FleetResourceView {
  kind: string;
  resource: string;
  desiredVersion: string | null;
  /** Versions the live instances run, most instances first. */
  versions: { version: string | null; instances: number; desired: boolean }[];
  drifting: boolean;
  driftReasons: DriftReason[];
  driftingForMs: number | null;
  /** Live instances whose version is not the desired one. */
  offDesired: number;
  failed: number;
  nacked: number;
  inProgress: number;
  lastChangeAt: string | null;
}

export interface FleetServiceView {
  environment: string;
  namespace: string | null;
  service: string;
  /** Live instances. */
  instances: number;
  drifting: boolean;
  resources: FleetResourceView[];
}

export interface FleetReadAnswer {
  generatedAt: string;
  page: number;
  pageCount: number;
  pageSize: number;
  totals: { services: number; matching: number; drifting: number; instances: number; problems: number };
  services: FleetServiceView[];
}

export function toFleetReadAnswer(matrix: FleetMatrix): FleetReadAnswer {
  const services: FleetServiceView[] = matrix.groups.flatMap((group) =>
    group.rows.map((row) => ({
      environment: row.service.environment,
      namespace: row.service.namespace === "" ? null : row.service.namespace,
      service: row.service.name,
      instances: row.service.instanceCount,
      drifting: row.drifting,
      resources: Object.keys(row.cells)
        .sort()
        .flatMap((kind) =>
          row.cells[kind]!.map((cell) => ({
            kind,
            resource: cell.resource,
            desiredVersion: cell.desired,
            versions: cell.versions.map((v) => ({ version: v.version, instances: v.instances, desired: v.isDesired })),
            drifting: cell.drift.drifting,
            driftReasons: cell.drift.reasons,
            driftingForMs: cell.drift.driftingForMs,
            offDesired: cell.drift.offDesired,
            failed: cell.failed,
            nacked: cell.nacked,
            inProgress: cell.inProgress,
            lastChangeAt: cell.lastChangeAt?.toISOString() ?? null,
          })),
        ),
    })),
  );
  const { services: serviceCount, matching, drifting, instances, problems } = matrix.totals;
  return {
    generatedAt: matrix.generatedAt.toISOString(),
    page: matrix.page,
    pageCount: matrix.pageCount,
    pageSize: FLEET_PAGE_SIZE,
    totals: { services: serviceCount, matching, drifting, instances, problems },
    services,
  };
}
