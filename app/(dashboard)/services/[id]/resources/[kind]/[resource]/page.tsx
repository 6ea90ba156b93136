import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ResourceStoryList } from "@/components/services/resource-story";
import { TimePicker } from "@/components/time/time-picker";
import { requireActor } from "@/lib/auth/require-actor";
import { parseTimeRange } from "@/lib/domain/time-range";
import { plural } from "@/lib/domain/progress-words";
import { storyCounts } from "@/lib/domain/resource-story";
import { isoUtc, relativeTime } from "@/lib/format";
import { reloadsHref } from "@/lib/reloads/list-params";
import { parseResourceSegment, parseServiceId, resourceHref, serviceViewHref } from "@/lib/services/params";
import { getResourceStory, STORY_LIMIT } from "@/lib/services/resource-queries";

export const dynamic = "force-dynamic";

/** The story's range when the URL names none. */
const DEFAULT_FROM = "now-7d";

type Props = {
  params: Promise<{ id: string; kind: string; resource: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { kind, resource } = await params;
  return { title: `${parseResourceSegment(kind) ?? "?"} · ${parseResourceSegment(resource) ?? "?"}` };
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

/** One resource's story: its reloads, alerts, requests and version changes, newest first. */
export default async function ResourcePage({ params, searchParams }: Props) {
  const path = await params;
  const id = parseServiceId(path.id);
  const kind = parseResourceSegment(path.kind);
  const resource = parseResourceSegment(path.resource);
  if (id === null || kind === null || resource === null) notFound();
  await requireActor();
  const query = await searchParams;
  const now = new Date();
  const fromText = first(query.from) ?? DEFAULT_FROM;
  const toText = first(query.to);
  const range = parseTimeRange(fromText, toText, now);
  const story = await getResourceStory(
    id,
    kind,
    resource,
    range.ok ? { from: range.from, to: range.to, now } : { from: null, to: null, now },
  );
  if (!story) notFound();
  const { service } = story;
  const counts = storyCounts(story.items);
  const serviceText = [service.environment, service.namespace, service.name].filter(Boolean).join("/");

  return (
    <main className="page">
      <div className="crumbs">
        <Link href="/fleet">Fleet</Link> /{" "}
        <Link href={`/fleet?env=${encodeURIComponent(service.environment)}`}>{service.environment}</Link> /{" "}
        <Link href={serviceViewHref(service.id, {})}>{service.name}</Link> / {kind}
      </div>
      <div className="page-head">
        <h1>
          {kind} · <span className="mono">{resource}</span>
        </h1>
        <span className="muted">
          desired{" "}
          {story.desired ? (
            <>
              <span className="mono" data-desired={story.desired.version}>
                {story.desired.version}
              </span>{" "}
              (set {relativeTime(story.desired.setAt, now)} by {story.desired.reloadId})
            </>
          ) : (
            "none yet: no reload has targeted a version"
          )}{" "}
          · running now:{" "}
          {story.running.length === 0
            ? "no live instance"
            : story.running.map((r, i) => (
                <span key={r.version ?? "?"}>
                  {i > 0 ? ", " : ""}
                  <span className="mono">{r.version ?? "unknown"}</span> ×{r.instances}
                </span>
              ))}
        </span>
      </div>
      <div className="chart-range">
        <TimePicker from={fromText} to={toText} action={resourceHref(service.id, kind, resource)} label="Story" />
        {!range.ok ? (
          <span className="error-text" role="alert" data-filter-error={range.parameter}>
            {range.message}; showing any time
          </span>
        ) : null}
        <span className="muted">
          <Link
            href={reloadsHref({
              environment: service.environment,
              namespace: service.namespace || null,
              service: service.name,
              kind,
              resource,
            })}
          >
            Every reload of it
          </Link>{" "}
          · <Link href={`/alerts?service=${encodeURIComponent(serviceText)}`}>The service&apos;s alerts</Link> ·{" "}
          <Link href={serviceViewHref(service.id, { behind: "1" })}>Instances behind</Link>
        </span>
      </div>
      <section
        className="panel"
        aria-label="Story"
        data-story-counts={`${counts.reload}/${counts.alert}/${counts.request}/${counts.version}`}
      >
        <h2>
          Story, newest first{" "}
          <span className="muted" style={{ fontWeight: 400 }}>
            · {plural(counts.reload, "reload")}, {plural(counts.alert, "alert")}, {plural(counts.request, "request")},{" "}
            {plural(counts.version, "version change")}
            {range.ok && range.from ? ` since ${isoUtc(range.from)}` : ""}
          </span>
        </h2>
        {story.items.length === 0 ? (
          <p className="empty">Nothing happened to this resource in this time range. Choose a longer one above.</p>
        ) : (
          <ResourceStoryList items={story.items} now={now} />
        )}
        {story.more ? (
          <p className="when" style={{ padding: "8px 14px" }}>
            Showing the newest {STORY_LIMIT}; narrow the time range to see older ones.
          </p>
        ) : null}
      </section>
    </main>
  );
}
