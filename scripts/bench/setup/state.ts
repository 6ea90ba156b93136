// Everything the run starts or creates that must be stopped or removed again, in one place,
// so cleanup() finds it whichever phase failed (or was interrupted).
import type { ChildProcess } from "node:child_process";
import type { ActivitySampler } from "../activity";
import type { RssSampler } from "../rss";
import type { VacuumStandIn } from "../vacuum";

export interface RunState {
  server: ChildProcess | null;
  serverLog: string | null;
  sampler: RssSampler | null;
  vacuum: VacuumStandIn | null;
  activity: ActivitySampler | null;
  /** databases created and not yet dropped */
  databases: string[];
}

export const state: RunState = {
  server: null,
  serverLog: null,
  sampler: null,
  vacuum: null,
  activity: null,
  databases: [],
};
