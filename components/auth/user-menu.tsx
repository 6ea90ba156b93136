import { unstable_rethrow } from "next/navigation";
import { currentActor } from "@/lib/auth/actor";
import { SignOutButton } from "./sign-out-button";
import styles from "./user-menu.module.css";

// The header's "who am I": the signed-in person and their role as the database says now
// (the same read every action makes), and the way out. Nothing when signed out.
export async function UserMenu() {
  let actor: Awaited<ReturnType<typeof currentActor>> = null;
  try {
    actor = await currentActor();
  } catch (error) {
    // Next's own signals (this header reads the request, so no page is prerendered) pass on.
    unstable_rethrow(error);
    // The header must not take the page down with it; the page reports the database itself.
    console.error("[header] could not read the signed-in user:", (error as Error).message);
    return null;
  }
  if (!actor) return null;
  return (
    <div className={styles.menu} aria-label="Signed in">
      <span>
        <span className={styles.name}>{actor.displayName}</span>{" "}
        <span className="badge info" title={`Signed in as ${actor.username}`}>
          {actor.role}
        </span>
      </span>
      <SignOutButton />
    </div>
  );
}
