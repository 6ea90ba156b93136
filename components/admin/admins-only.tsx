import type { Actor } from "@/lib/auth/actor";

/** What a signed-in non-admin sees at /admin/*: the server refuses the actions anyway. */
export function AdminsOnly({ actor }: { actor: Actor | null }) {
  return (
    <main className="page">
      <div className="panel empty" role="alert" data-admins-only>
        <h2 style={{ border: 0 }}>Admins only</h2>
        {actor ? (
          <p>
            You are signed in as <b>{actor.username}</b> with the role <b>{actor.role}</b>. Managing users, ingest
            tokens, reload targets and approval policies needs the <b>admin</b> role: ask an admin if you need a change
            here.
          </p>
        ) : (
          <p>
            Sign in as an admin to manage users, ingest tokens, reload targets and approval policies.{" "}
            <a href="/sign-in?callbackUrl=%2Fadmin">Sign in</a>
          </p>
        )}
        <p>
          <a href="/fleet">Back to the fleet</a>
        </p>
      </div>
    </main>
  );
}
