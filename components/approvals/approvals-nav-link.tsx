import Link from "next/link";
import { currentActor } from "@/lib/auth/actor";
import { can } from "@/lib/domain/permissions";
import { countPendingRequests } from "@/lib/requests/queries";
import styles from "@/components/requests/requests.module.css";

// The header's "Approvals" link, for anyone signed in (requesters follow their requests
// there), with the number waiting for a decision for those who may decide.
export async function ApprovalsNavLink() {
  try {
    const actor = await currentActor();
    if (!actor) return null;
    const pending = can(actor.role, "request.approve") ? await countPendingRequests() : 0;
    return (
      <Link href="/approvals" data-nav-approvals>
        Approvals
        {pending > 0 ? (
          <span className={styles.count} data-pending-count={pending} aria-label={`${pending} waiting for a decision`}>
            {pending}
          </span>
        ) : null}
      </Link>
    );
  } catch {
    return null;
  }
}
