"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent, type InputHTMLAttributes } from "react";
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
        <Field
          name="username"
          label="Username"
          error={fieldErrors.username}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
        />
        <Field
          name="password"
          label="Password"
          error={fieldErrors.password}
          type="password"
          autoComplete="current-password"
        />
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

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  name: keyof FieldErrors;
  label: string;
  error: string | undefined;
}

/** A field, its label, and its error: outside the label, so a field's name stays "Username", not its error too. */
function Field({ name, label, error, ...input }: FieldProps) {
  return (
    <div className={styles.field}>
      <label htmlFor={`sign-in-${name}`}>{label}</label>
      <input
        id={`sign-in-${name}`}
        name={name}
        {...input}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${name}-error` : undefined}
      />
      {error ? (
        <span id={`${name}-error`} className={styles.fieldError}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
