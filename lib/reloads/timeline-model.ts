// The reload page's model from the rows timeline-queries.ts reads: the assembled timeline,
// the diagnosis of the targets that did not converge, and the spread of time-to-ack. Pure;
// the page and the benchmark both call it after the read.
import { diagnoseReload, type ReloadDiagnosis } from "@/lib/domain/diagnosis";
import { SUCCESS_PHASES } from "@/lib/domain/phases";
import { histogram, percentile, type HistogramBin } from "@/lib/domain/distribution";
import { assembleTimeline, type ReloadTimeline } from "@/lib/domain/timeline";
import type { ReloadTimelineData } from "./timeline-queries";

export interface ReloadTimelineModel {
  timeline: ReloadTimeline;
  diagnosis: ReloadDiagnosis;
  /** Time from the reload's start to each instance's ack (or applied). */
  timeToAck: { bins: HistogramBin[]; p50: number | null; p95: number | null; max: number | null; count: number };
  /** Targets that have not acked (or applied), with how they stand. */
  notAcked: { instance: string; phase: string; error: string | null; at: Date | null }[];
}

/** An unfinished instance silent for longer than this has "gone silent" (crash or unavailable). */
export const SILENT_AFTER_MS = 5 * 60_000;

export function buildTimelineModel(data: ReloadTimelineData, now: Date): ReloadTimelineModel {
  const { reload } = data;
  const timeline = assembleTimeline({
    reloadStart: reload.dispatchedAt ?? reload.requestedAt ?? reload.firstEventAt,
    targets: data.targets,
    events: data.events,
    spans: data.spans,
  });
  const eventsByInstance = new Map<
    string,
    { phase: (typeof data.events)[number]["phase"]; at: Date; error: string | null }[]
  >();
  for (const e of data.events) {
    if (e.instance === null) continue;
    const list = eventsByInstance.get(e.instance) ?? [];
    list.push({ phase: e.phase, at: e.occurredAt, error: e.error });
    eventsByInstance.set(e.instance, list);
  }
  const spansByInstance = new Map(
    timeline.instances.map((l) => [
      l.key,
      l.spans.map((s) => ({ name: s.name, error: s.error, message: s.statusMessage })),
    ]),
  );
  const diagnosis = diagnoseReload({
    status: reload.status,
    expiredAt: reload.expiredAt,
    now,
    silentAfterMs: SILENT_AFTER_MS,
    targets: data.targets.map((t) => ({
      instance: t.instance,
      converged: t.phase !== null && SUCCESS_PHASES.has(t.phase),
      phase: t.phase,
      events: eventsByInstance.get(t.instance) ?? [],
      lastHeardAt: t.lastHeardAt,
      spans: spansByInstance.get(t.instance) ?? [],
    })),
  });
  const acks = timeline.instances.map((l) => l.timeToAckMs).filter((v): v is number => v !== null);
  return {
    timeline,
    diagnosis,
    timeToAck: {
      bins: histogram(acks, 24),
      p50: percentile(acks, 50),
      p95: percentile(acks, 95),
      max: acks.length ? Math.max(...acks) : null,
      count: acks.length,
    },
    notAcked: data.targets
      .filter((t) => t.phase === null || !SUCCESS_PHASES.has(t.phase))
      .map((t) => ({ instance: t.instance, phase: t.phase ?? "pending", error: t.error, at: t.phaseAt }))
      .sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0)),
  };
}
