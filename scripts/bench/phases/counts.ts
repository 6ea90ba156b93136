// Phase: do the counts add up? After the fill (point B), before the phases that add events of
// their own: every event the stream sent was accepted; every stored reload phase matches what
// was sent, one for one; heartbeats are stored one for one while heartbeats are history, and at
// most one for one once a presence interval table holds the heartbeats that change nothing
// (DESIGN.md, "History rules"); the SQL fill's rows are all there; the read model has one row
// per instance × resource; the matrix saw the whole fleet. Failures go to checks.ts.
import { cfg } from "../config";
import { checkCount } from "../checks";
import { int } from "../format";
import type { EventStream } from "../generator";
import { hasPresence, historyBytes } from "../history";
import type { IngestClient } from "../http";
import { withDb } from "../setup/databases";
import type { FillResult } from "./fill";
import type { MatrixPoint } from "./matrix";

export async function checkCounts(
  url: string,
  r: {
    stream: EventStream;
    client: IngestClient;
    fill: FillResult;
    triples: number;
    small: MatrixPoint | null;
    large: MatrixPoint | null;
  },
): Promise<void> {
  const { stream, client, fill, triples } = r;
  checkCount(
    "every event posted was accepted",
    client.accepted === client.posted,
    `${int(client.accepted)} accepted of ${int(client.posted)} posted`,
  );
  checkCount(
    "the stream's events were all posted",
    client.posted === stream.produced,
    `${int(client.posted)} posted, the stream made ${int(stream.produced)}`,
  );
  const stored = await withDb(url, async (c) => {
    const { rows } = await c.query<{ phase: string; fill: boolean; n: string }>(
      `SELECT phase, id LIKE 'fill-%' AS fill, count(*)::text AS n FROM reload_event GROUP BY 1, 2`,
    );
    return rows;
  });
  const byPhase: Record<string, number> = {};
  let fillRows = 0;
  for (const row of stored) {
    if (row.fill) fillRows += Number(row.n);
    else byPhase[row.phase] = (byPhase[row.phase] ?? 0) + Number(row.n);
  }
  checkCount("SQL fill rows stored", fillRows === fill.viaSql, `${int(fillRows)} stored, ${int(fill.viaSql)} inserted`);
  const presence = hasPresence(await historyBytes(url));
  for (const phase of new Set([...Object.keys(stream.counts), ...Object.keys(byPhase)])) {
    const sent = stream.counts[phase] ?? 0;
    const have = byPhase[phase] ?? 0;
    if (phase === "heartbeat" && presence) {
      checkCount(
        `heartbeat events stored (at most those sent: the no-change ones extend presence intervals)`,
        have <= sent,
        `${int(have)} stored of ${int(sent)} sent`,
      );
    } else {
      checkCount(`${phase} events stored`, have === sent, `${int(have)} stored, ${int(sent)} sent`);
    }
  }
  const states = await withDb(url, async (c) =>
    Number((await c.query(`SELECT count(*) AS n FROM instance_state`)).rows[0].n),
  );
  checkCount(
    "instance_state rows (one per instance × resource)",
    states === triples,
    `${int(states)}, expected ${int(triples)}`,
  );
  for (const [label, point] of [
    ["A", r.small],
    ["B", r.large],
  ] as const) {
    if (!point) continue;
    checkCount(
      `matrix ${label} shows the whole fleet`,
      point.services === cfg.services && point.instances === cfg.services * cfg.instances,
      `${int(point.services)} services / ${int(point.instances)} live instances, expected ${int(cfg.services)} / ${int(cfg.services * cfg.instances)}`,
    );
  }
}
