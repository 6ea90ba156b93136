// The fleet at an instant as it travels from the server (page props, GET /api/replay) to the
// player: JSON, with every time an ISO string. One conversion each way, so the first paint
// and a fetched frame go through the same code. Client-safe.
import type { MatrixGroup } from "@/lib/domain/matrix";
import type { FleetMatrix } from "@/lib/fleet/queries";

/** Where the replayed state started from: a snapshot, or (none before T) the retained history. */
export interface ReplayBasis {
  snapshotAt: Date | null;
  historyFrom: Date | null;
  eventsFolded: number;
}

export interface ReplayFrame {
  at: Date;
  matrix: FleetMatrix;
  basis: ReplayBasis;
}

type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

export type ReplayFrameWire = Jsonified<ReplayFrame>;

export function frameToWire(frame: ReplayFrame): ReplayFrameWire {
  return JSON.parse(JSON.stringify(frame)) as ReplayFrameWire;
}

const date = (s: string) => new Date(s);
const dateOrNull = (s: string | null) => (s === null ? null : new Date(s));

export function frameFromWire(wire: ReplayFrameWire): ReplayFrame {
  const groups: MatrixGroup[] = wire.matrix.groups.map((g) => ({
    ...g,
    rows: g.rows.map((row) => ({
      ...row,
      service: { ...row.service, lastEventAt: date(row.service.lastEventAt) },
      cells: Object.fromEntries(
        Object.entries(row.cells).map(([kind, cells]) => [
          kind,
          cells.map((c) => ({ ...c, lastChangeAt: dateOrNull(c.lastChangeAt) })),
        ]),
      ),
    })),
  }));
  return {
    at: date(wire.at),
    matrix: { ...wire.matrix, groups, generatedAt: date(wire.matrix.generatedAt) },
    basis: {
      ...wire.basis,
      snapshotAt: dateOrNull(wire.basis.snapshotAt),
      historyFrom: dateOrNull(wire.basis.historyFrom),
    },
  };
}
