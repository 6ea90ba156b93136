// Plain JSON shapes the replay page hands its client components.
import type { Phase } from "@/lib/domain/types";

export interface ReplayEventWire {
  id: string;
  occurredAt: string;
  phase: Phase;
  service: string;
  instance: string | null;
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string | null;
  error: string | null;
  reloadId: string | null;
}
