// Plain JSON shapes the replay page hands its client components.
import type { ReplayEvent } from "@/lib/replay/queries";

/** A replay event as JSON: its time an ISO string. */
export type ReplayEventWire = Omit<ReplayEvent, "occurredAt"> & { occurredAt: string };
