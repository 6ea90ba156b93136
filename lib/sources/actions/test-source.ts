"use server";
import { formFields } from "@/lib/auth/form-data";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { mapSourceSamples, seriesName } from "@/lib/domain/source-mapping";
import { sourceSubject } from "@/lib/sources/admin";
import { querySource, settingsOf, SOURCE_COLUMNS, type SourceRow } from "@/lib/sources/poll";
import { SourceQueryError } from "@/lib/sources/prometheus-api";
import { sourceIdInput, type SourceIdInput } from "@/lib/sources/schemas";

export interface SourceTestResult {
  sourceId: number;
  ok: boolean;
  error: string | null;
  series: number;
  /** the series the query found, as they map: at most 50 */
  mapped: { series: string; mapsTo: string | null; problem: string | null }[];
  events: number;
}

const action = defineAction({
  prisma: true,
  permission: "source.manage",
  input: sourceIdInput,
  subject: (tx, input) => sourceSubject(tx, input.sourceId),
  // One query now, mapped as the worker would map it; nothing is written but the source's
  // record of its last query, so the page shows what the test found.
  run: async ({ tx, input }) => {
    const [row] = await tx.query<SourceRow[]>(
      `SELECT ${SOURCE_COLUMNS} FROM prometheus_source WHERE id = $1`,
      input.sourceId,
    );
    const now = new Date();
    let result: SourceTestResult;
    if (row!.demo) {
      result = {
        sourceId: row!.id,
        ok: false,
        error: "a demo source holds recorded samples; it has no query API to test",
        series: 0,
        mapped: [],
        events: 0,
      };
    } else {
      try {
        const { samples } = await querySource(row!, now);
        const mapped = mapSourceSamples(settingsOf(row!), [], samples);
        result = {
          sourceId: row!.id,
          ok: true,
          error: null,
          series: mapped.series.length,
          mapped: mapped.series.slice(0, 50).map((s) => ({
            series: seriesName(s.metric, s.labels),
            mapsTo: s.mapping
              ? `${s.mapping.environment}/${s.mapping.service} ${s.mapping.instance} · ${s.mapping.kind} ${s.mapping.resource} (${s.mapping.role})`
              : null,
            problem: s.problem,
          })),
          events: mapped.events.length,
        };
      } catch (error) {
        if (!(error instanceof SourceQueryError)) throw error;
        result = { sourceId: row!.id, ok: false, error: error.message, series: 0, mapped: [], events: 0 };
      }
      await tx.db.prometheusSource.update({
        where: { id: row!.id },
        data: { lastQueryAt: now, lastError: result.error, ...(result.error === null ? {} : { lastErrorAt: now }) },
        select: { id: true },
      });
    }
    return { data: result, audit: { details: { ok: result.ok, series: result.series, error: result.error } } };
  },
  revalidate: ["/admin/sources"],
});

/** Queries a source once now and says what it found, or why it could not. */
export async function testSource(input: SourceIdInput): Promise<ActionResult<SourceTestResult>> {
  return action(input);
}

export async function testSourceForm(
  _previous: ActionResult<SourceTestResult> | null,
  formData: FormData,
): Promise<ActionResult<SourceTestResult>> {
  return action(formFields(formData));
}
