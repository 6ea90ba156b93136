import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import styles from "@/components/auth/sign-in.module.css";
import { currentActor } from "@/lib/auth/actor";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { oidcSignIn } from "@/lib/auth/options";
import { env } from "@/lib/env";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

function first(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const origin = env().NEXTAUTH_URL
    ? new URL(env().NEXTAUTH_URL!).origin
    : `http://${(await headers()).get("host") ?? "localhost"}`;
  const callbackPath = safeCallbackPath(first(params.callbackUrl), origin);
  const error = first(params.error);
  // Already signed in (and not sent back here with an error): straight on.
  if (!error && (await currentActor())) redirect(callbackPath);
  return (
    <main className={styles.wrap}>
      <div className={styles.card}>
        <h1>Sign in to Reloadscope</h1>
        <p className="muted" style={{ margin: 0, fontSize: 13 }}>
          Which version of every reloadable thing runs where.
        </p>
        <SignInForm callbackPath={callbackPath} oidc={oidcSignIn()} initialError={error} />
        {env().RELOADSCOPE_EMBEDDED === "1" ? (
          <p className={styles.hint}>
            Demo users: <code>viewer</code>, <code>operator</code>, <code>approver</code>, <code>admin</code>. Their
            password was printed when the demo first started (or is <code>DEMO_PASSWORD</code>).
          </p>
        ) : null}
      </div>
    </main>
  );
}
