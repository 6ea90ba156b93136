// Removes everything the run made, once, whichever way it ends (success, failure, SIGINT/SIGTERM,
// the watchdog): samplers stopped, the `next start` process group killed, databases dropped.
import { disconnectDb } from "@/lib/db/client";
import { cfg } from "../config";
import { log } from "../log";
import { withAdmin } from "./databases";
import { stopServer } from "./server";
import { state } from "./state";

let cleaning: Promise<void> | null = null;

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await disconnectDb().catch(() => {});
    await state.activity?.stop().catch(() => {});
    await state.vacuum?.stop().catch(() => {});
    await stopServer();
    if (cfg.keepDb) {
      if (state.databases.length) log(`BENCH_KEEP_DB=1: keeping ${state.databases.join(", ")}`);
      return;
    }
    for (const name of state.databases.splice(0)) {
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch((error) =>
        console.error(`[bench] could not drop ${name}: ${(error as Error).message}`),
      );
    }
  })();
  return cleaning;
}
