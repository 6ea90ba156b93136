import type { Metadata } from "next";
import Link from "next/link";
import { AlertSide, AlertSummary } from "@/components/alerts/alert-view";
import { AlertsLiveRefresh } from "@/components/alerts/alerts-live-refresh";
import { plainOptions, SelectFilter, TextFilter } from "@/components/filters/filter-fields";
import styles from "@/components/alerts/alerts.module.css";
import { ALERT_TABS, alertsHref, parseAlertFilters, type AlertTab } from "@/lib/alerts/filters";
import { ALERT_PAGE_LIMIT, getAlertStatus, listAlerts } from "@/lib/alerts/queries";
import { alertChannelsConfigured } from "@/lib/alerts/deliver";
import { requireActor } from "@/lib/auth/require-actor";
import { RULES } from "@/lib/domain/alerts/rules";
import { RULE_IDS, SEVERITIES } from "@/lib/domain/alerts/types";
import { can } from "@/lib/domain/permissions";
import { clockTimeUtc } from "@/lib/format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Alerts" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const TAB_TITLES: Record<AlertTab, string> = { firing: "Firing", acknowledged: "Acknowledged", resolved: "Resolved" };
const EMPTY: Record<AlertTab, string> = {
  firing: "Nothing is firing.",
  acknowledged: "No alert is acknowledged and still open.",
  resolved: "No alert has resolved yet.",
};

export default async function AlertsPage({ searchParams }: Props) {
  const filters = parseAlertFilters(await searchParams);
  const now = new Date();
  const channelsConfigured = alertChannelsConfigured();
  const [actor, list, status] = await Promise.all([requireActor(), listAlerts(filters, now), getAlertStatus()]);
  const canAcknowledge = actor ? can(actor.role, "alert.acknowledge") : false;
  const canSilence = actor ? can(actor.role, "alert.silence") : false;
  const filtered = Boolean(filters.rule || filters.severity || filters.service || filters.text);

  return (
    <main className="page">
      <div className="page-head">
        <h1>Alerts</h1>
        <AlertsLiveRefresh renderedVersion={status.version} renderedAtLabel={clockTimeUtc(now)} />
      </div>
      <form className="panel filters" method="get" action="/alerts" data-alert-filters>
        {filters.tab !== "firing" ? <input type="hidden" name="tab" value={filters.tab} /> : null}
        <SelectFilter
          label="Rule"
          name="rule"
          value={filters.rule}
          options={RULE_IDS.map((r) => ({ value: r, label: RULES[r].title }))}
          anyLabel="any"
        />
        <SelectFilter
          label="Severity"
          name="severity"
          value={filters.severity}
          options={plainOptions(SEVERITIES)}
          anyLabel="any"
        />
        <TextFilter label="Service" name="service" value={filters.service} placeholder="prod/payments/checkout" />
        <TextFilter label="Text" name="q" value={filters.text} placeholder="summary, resource" />
        <button type="submit">Filter</button>
        {filtered ? (
          <Link href={alertsHref({ ...filters, rule: null, severity: null, service: null, text: null })}>Clear</Link>
        ) : null}
      </form>

      <nav className={styles.tabs} aria-label="Alert states">
        {ALERT_TABS.map((tab) => (
          <Link
            key={tab}
            href={alertsHref(filters, { tab })}
            aria-current={tab === filters.tab ? "page" : undefined}
            data-alert-tab={tab}
          >
            {TAB_TITLES[tab]}{" "}
            <span className="muted" data-tab-count={list.counts[tab]}>
              ({list.counts[tab]}
              {tab === "firing" && !filtered && status.silenced > 0 ? `, ${status.silenced} silenced` : ""})
            </span>
          </Link>
        ))}
      </nav>

      <section className="panel" aria-label={`${TAB_TITLES[filters.tab]} alerts`}>
        {list.items.length === 0 ? (
          <p className="empty" data-alerts-empty>
            {filtered ? "No alert matches these filters." : EMPTY[filters.tab]}
          </p>
        ) : (
          <ul className={styles.list} data-alert-list={filters.tab}>
            {list.items.map((alert) => (
              <li key={alert.id} className={styles.item} data-alert-row={alert.id} data-alert-rule={alert.rule}>
                <AlertSummary alert={alert} now={now} />
                <AlertSide
                  alert={alert}
                  now={now}
                  channelsConfigured={channelsConfigured}
                  canAcknowledge={canAcknowledge}
                  canSilence={canSilence}
                />
              </li>
            ))}
          </ul>
        )}
        {list.truncated ? (
          <p className="muted" style={{ padding: "8px 14px" }}>
            The newest {ALERT_PAGE_LIMIT} are shown; narrow the filters to see others.
          </p>
        ) : null}
      </section>
    </main>
  );
}
