// The run's progress log: "[bench mm:ss] …" lines, the current phase, and a ticker that
// reports the phase's progress and the app's memory every 10 s.
import { int, mb } from "./format";
import type { RssSampler } from "./rss";

const started = performance.now();
export const elapsed = () => performance.now() - started;
const stamp = () => {
  const s = Math.floor(elapsed() / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};
export const log = (line: string) => console.log(`[bench ${stamp()}] ${line}`);

/** What the ticker reports; phases count `done` up as they go. */
export const progress = { phase: "setup", done: 0, total: 0, phaseStarted: performance.now() };

export function phase(name: string, total = 0) {
  progress.phase = name;
  progress.done = 0;
  progress.total = total;
  progress.phaseStarted = performance.now();
  log(`${name}${total ? ` (${int(total)} events)` : ""}`);
}

export function startTicker(sampler: () => RssSampler | null): NodeJS.Timeout {
  return setInterval(() => {
    void (async () => {
      const current = sampler();
      const rss = current ? await current.read().catch(() => null) : null;
      const secs = (performance.now() - progress.phaseStarted) / 1000;
      const rate = progress.total && progress.done ? `, ${int(progress.done / secs)} ev/s` : "";
      const done = progress.total ? ` ${int(progress.done)}/${int(progress.total)}${rate}` : "";
      const mem = rss ? ` | app RSS ${mb(rss.lastRssBytes)} (peak ${mb(rss.peakRssBytes)})` : "";
      log(`… ${progress.phase.split(":")[0]}${done}${mem}`);
    })();
  }, 10_000);
}
