"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { signInErrorMessage } from "@/lib/auth/sign-in-errors";
import styles from "./sign-in.module.css";

interface Props {
  /** where to go afterwards: a path of this app, already checked on the server */
  callbackPath: string;
  /** the OIDC button, when the server has OIDC configured */
  oidc: { id: string; name: string } | null;
  /** an error code the page was opened with (?error=, from next-auth's redirects) */
  initialError: string | null;
}

type FieldErrors = Partial<Record<"username" | "password", string>>;

export function SignInForm({ callbackPath, oidc, initialError }: Props) {
  const [error, setError] = useState<string | null>(signInErrorMessage(initialError));
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState<"password" | "oidc" | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get("username") ?? "").trim();
    const password = String(form.get("password") ?? "");
    const missing: FieldErrors = {};
    if (username === "") missing.username = "Enter your username.";
    if (password === "") missing.password = "Enter your password.";
    setFieldErrors(missing);
    if (Object.keys(missing).length > 0) return;
    setPending("password");
    setError(null);
    try {
      // redirect: false, so a refusal is shown here instead of reloading the page.
      const result = await signIn("credentials", { username, password, callbackUrl: callbackPath, redirect: false });
      if (!result || result.error) {
        setError(signInErrorMessage(result?.error ?? "Default"));
        setPending(null);
        return;
      }
      // Our own checked path, not the URL next-auth echoes back. A full page load, not a
      // client navigation: the router cached the signed-out answers (redirects to this page)
      // of the header's prefetched links, and the header itself must render signed in.
      window.location.assign(callbackPath);
    } catch {
      setError("The server could not be reached. Try again.");
      setPending(null);
    }
  }

  async function onOidc() {
    setPending("oidc");
    setError(null);
    // Leaves for the identity provider; it sends the browser back to next-auth's callback.
    await signIn(oidc!.id, { callbackUrl: callbackPath }).catch(() => {
      setError(signInErrorMessage("OAuthSignin"));
      setPending(null);
    });
  }

  return (
    <>
      {error ? (
        <p role="alert" id="sign-in-error" className={styles.alert}>
          {error}
        </p>
      ) : null}
      <form className={styles.form} onSubmit={onSubmit} noValidate>
        {/* The errors sit outside the labels, so a field's name stays "Username", not its error too. */}
        <div className={styles.field}>
          <label htmlFor="sign-in-username">Username</label>
          <input
            id="sign-in-username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            aria-invalid={fieldErrors.username ? true : undefined}
            aria-describedby={fieldErrors.username ? "username-error" : undefined}
          />
          {fieldErrors.username ? (
            <span id="username-error" className={styles.fieldError}>
              {fieldErrors.username}
            </span>
          ) : null}
        </div>
        <div className={styles.field}>
          <label htmlFor="sign-in-password">Password</label>
          <input
            id="sign-in-password"
            name="password"
            type="password"
            autoComplete="current-password"
            aria-invalid={fieldErrors.password ? true : undefined}
            aria-describedby={fieldErrors.password ? "password-error" : undefined}
          />
          {fieldErrors.password ? (
            <span id="password-error" className={styles.fieldError}>
              {fieldErrors.password}
            </span>
          ) : null}
        </div>
        <button type="submit" className={styles.submit} disabled={pending !== null}>
          {pending === "password" ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {oidc ? (
        <>
          <div className={styles.or}>or</div>
          <button type="button" className={`secondary ${styles.sso}`} onClick={onOidc} disabled={pending !== null}>
            {pending === "oidc" ? `Going to ${oidc.name}…` : `Sign in with ${oidc.name}`}
          </button>
        </>
      ) : null}
    </>
  );
}
