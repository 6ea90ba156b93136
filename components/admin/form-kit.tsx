"use client";
import {
  useActionState,
  useEffect,
  useRef,
  useState,
  useTransition,
  type FormEvent,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from "react";
import type { ActionResult } from "@/lib/auth/define-action";
import styles from "./admin.module.css";

// The pieces every admin form shares: the action's state (useActionState), errors beside
// the fields they are about, a pending button, and a two-step confirmation for what cannot
// be undone. Forms submit through onSubmit rather than `action=` so a refused submission
// keeps what was typed (React resets a form after every `action=` submission).

export type FormAction<T> = (previous: ActionResult<T> | null, formData: FormData) => Promise<ActionResult<T>>;

export function useActionForm<T>(formAction: FormAction<T>, options: { resetOnSuccess?: boolean } = {}) {
  const [state, dispatch, pending] = useActionState(formAction, null);
  const [, startTransition] = useTransition();
  const formRef = useRef<HTMLFormElement>(null);
  const resetOnSuccess = options.resetOnSuccess ?? true;
  useEffect(() => {
    if (state?.ok && resetOnSuccess) formRef.current?.reset();
  }, [state, resetOnSuccess]);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formData = new FormData(event.currentTarget);
    startTransition(() => dispatch(formData));
  };
  return { state, pending, onSubmit, formRef };
}

/** The messages for one field: its own key, and its items' ("groups.1"). */
export function fieldErrors(state: ActionResult<unknown> | null, name: string): string[] {
  if (!state || state.ok || !state.fieldErrors) return [];
  return Object.entries(state.fieldErrors)
    .filter(([key]) => key === name || key.startsWith(`${name}.`))
    .flatMap(([, messages]) => messages);
}

export function FieldError({ state, name }: { state: ActionResult<unknown> | null; name: string }) {
  const errors = fieldErrors(state, name);
  if (errors.length === 0) return null;
  return (
    <span className="error-text" id={`${name}-error`} role="alert" data-field-error={name}>
      {errors.join(" ")}
    </span>
  );
}

/** Attributes that tie an input to its error message for screen readers. */
export function invalid(state: ActionResult<unknown> | null, name: string) {
  return fieldErrors(state, name).length > 0 ? { "aria-invalid": true, "aria-describedby": `${name}-error` } : {};
}

type FieldState = ActionResult<unknown> | null;
interface FieldProps {
  state: FieldState;
  label: string;
  name: string;
}
type TextFieldProps = FieldProps & { hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>;
type SelectFieldProps = FieldProps & { options: readonly string[] } & SelectHTMLAttributes<HTMLSelectElement>;

/** An input with its label, an optional hint, and its error; other props go on the <input>. */
export function TextField({ state, label, hint, name, ...input }: TextFieldProps) {
  return (
    <label className={styles.field}>
      <span>{label}</span>
      <input name={name} {...input} {...invalid(state, name)} />
      {hint ? <span className={styles.hint}>{hint}</span> : null}
      <FieldError state={state} name={name} />
    </label>
  );
}

/** A choice among `options` (each its own label) with its label and its error; other props go on the <select>. */
export function SelectField({ state, label, name, options, ...select }: SelectFieldProps) {
  return (
    <label className={styles.field}>
      <span>{label}</span>
      <select name={name} {...select} {...invalid(state, name)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
      <FieldError state={state} name={name} />
    </label>
  );
}

/** The form-wide outcome: the refusal (when it is not only about fields), or what was done. */
export function FormMessage<T>({
  state,
  success,
}: {
  state: ActionResult<T> | null;
  success?: (data: T) => ReactNode;
}) {
  if (!state) return null;
  if (state.ok) {
    const text = success?.(state.data);
    return text ? (
      <div className={`${styles.message} ${styles.ok}`} role="status">
        {text}
      </div>
    ) : null;
  }
  // Field errors are shown beside their fields; the summary says so only when there are some.
  return (
    <div className={`${styles.message} ${styles.bad}`} role="alert" data-action-error={state.code}>
      {state.error}
    </div>
  );
}

export function SubmitButton({
  pending,
  children,
  pendingText,
  className,
}: {
  pending: boolean;
  children: ReactNode;
  pendingText: string;
  className?: string;
}) {
  return (
    <button type="submit" disabled={pending} aria-busy={pending} className={className}>
      {pending ? pendingText : children}
    </button>
  );
}

/** A form's submit row: its one button, disabled and saying `pendingText` while the action runs. */
export function FormActions({
  pending,
  pendingText,
  small = false,
  children,
}: {
  pending: boolean;
  pendingText: string;
  /** the compact button of a form inside a table row */
  small?: boolean;
  children: ReactNode;
}) {
  return (
    <div className={styles.actions}>
      <SubmitButton pending={pending} pendingText={pendingText} className={small ? styles.small : undefined}>
        {children}
      </SubmitButton>
    </div>
  );
}

/**
 * A button for what should not happen by accident (revoke, disable, remove): the first click
 * asks, the second does it. The action is called with a plain object, the same one tests
 * and the role × action matrix call.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  pendingText,
  run,
  danger = true,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  pendingText: string;
  run: () => Promise<ActionResult<unknown>>;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  if (!asking) {
    return (
      <span className={styles.confirm}>
        <button
          type="button"
          className={`${styles.small} ${danger ? styles.dangerOutline : "secondary"}`}
          onClick={() => {
            setError(null);
            setAsking(true);
          }}
        >
          {label}
        </button>
        {error ? (
          <span className="error-text" role="alert">
            {error}
          </span>
        ) : null}
      </span>
    );
  }
  return (
    <span className={styles.confirm} role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        className={`${styles.small} ${danger ? styles.danger : ""}`}
        disabled={pending}
        aria-busy={pending}
        onClick={() =>
          startTransition(async () => {
            const result = await run();
            setAsking(false);
            setError(result.ok ? null : result.error);
          })
        }
      >
        {pending ? pendingText : confirmLabel}
      </button>
      <button type="button" className={`${styles.small} secondary`} disabled={pending} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/**
 * A secret shown once (a new token, a generated target secret): selectable, with a copy
 * button, and a plain statement that it will not be shown again. It lives only in this
 * component's state; leaving or reloading the page drops it.
 */
export function ShowOnce({
  title,
  value,
  children,
  onDone,
}: {
  title: string;
  value: string;
  children?: ReactNode;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const inputRef = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      // The clipboard API needs a secure context (https or localhost): select it for Ctrl+C instead.
      inputRef.current?.select();
      setCopied("failed");
    }
  };
  return (
    <div className={styles.secret} role="region" aria-label={title} data-show-once>
      <div>
        <strong>{title}</strong> Copy it now: <b>you will not see it again</b>. Only a hash (or, for a target secret, an
        encrypted copy) is kept.
      </div>
      <div className={styles.secretValue}>
        <input
          ref={inputRef}
          readOnly
          value={value}
          aria-label={title}
          onFocus={(e) => e.currentTarget.select()}
          data-secret-value
        />
        <button type="button" onClick={copy}>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      {copied === "failed" ? (
        <span className="hint">Copying is blocked on this page; the text is selected, press Ctrl+C (⌘C).</span>
      ) : null}
      {children}
      <div>
        <button type="button" className="secondary" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </div>
  );
}
