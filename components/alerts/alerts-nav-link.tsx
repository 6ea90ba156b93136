import Link from "next/link";
import { getAlertStatus } from "@/lib/alerts/queries";
import { currentActor } from "@/lib/auth/actor";
import styles from "./alerts.module.css";

// The header's "Alerts" link with the number firing (acknowledged ones are being handled).
export async function AlertsNavLink() {
  try {
    if (!(await currentActor())) return null;
    const { firing, silenced } = await getAlertStatus();
    // Silenced alerts are known and held back on purpose: they do not ask for attention here.
    const unsilenced = firing - silenced;
    const label = `${unsilenced} firing${silenced > 0 ? ` (${silenced} silenced)` : ""}`;
    return (
      <Link href="/alerts" data-nav-alerts title={label}>
        Alerts
        {unsilenced > 0 ? (
          <span
            className={styles.count}
            data-firing-count={unsilenced}
            data-silenced-count={silenced}
            aria-label={label}
          >
            {unsilenced}
          </span>
        ) : null}
      </Link>
    );
  } catch {
    return (
      <Link href="/alerts" data-nav-alerts>
        Alerts
      </Link>
    );
  }
}
