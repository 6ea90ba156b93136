"use client";

import Link from "next/link";
import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { verifyChainFromForm, type VerifyChainResult } from "@/lib/audit/actions/verify-chain";
import type { ActionResult } from "@/lib/auth/define-action";
import styles from "./audit.module.css";

function Submit() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} aria-busy={pending}>
      {pending ? "Verifying…" : "Verify chain"}
    </button>
  );
}

/** Runs the audit.verify action and shows its verdict: intact with N entries, or the first broken link. */
export function VerifyChainButton() {
  const [result, formAction] = useActionState<ActionResult<VerifyChainResult> | null, FormData>(
    verifyChainFromForm,
    null,
  );
  return (
    <form action={formAction} className={styles.verify} aria-label="Verify the audit chain">
      <Submit />
      {result ? <Verdict result={result} /> : null}
    </form>
  );
}

function Verdict({ result }: { result: ActionResult<VerifyChainResult> }) {
  if (!result.ok) {
    return (
      <div className={`${styles.verdict} ${styles.broken}`} role="alert" data-verdict="error">
        {result.error}
      </div>
    );
  }
  const v = result.data;
  const at = v.verifiedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const cut = v.anchor.configured && v.anchor.problems.length > 0;
  if (v.intact && cut) {
    return (
      <div className={`${styles.verdict} ${styles.broken}`} role="alert" data-verdict="anchor-mismatch">
        <b>The log does not match its anchor:</b> {v.anchor.message}. The chain itself holds ({v.entries}{" "}
        {v.entries === 1 ? "entry" : "entries"}), so entries were removed from its end or rewritten with every hash
        after them.
      </div>
    );
  }
  if (v.intact) {
    return (
      <div
        className={`${styles.verdict} ${styles.intact}`}
        role="status"
        data-verdict="intact"
        data-entries={v.entries}
      >
        <b>Chain intact:</b> {v.entries} {v.entries === 1 ? "entry" : "entries"}
        {v.firstId ? ` (#${v.firstId} to #${v.lastId})` : ""} verified at {at}. This verification is recorded as a later
        entry, outside the verdict.
        {v.lastId ? (
          <div className={styles.hash}>
            head #{v.lastId} {v.lastHash}
          </div>
        ) : null}
        <div data-anchor={v.anchor.configured ? "checked" : "none"}>{v.anchor.message}.</div>
      </div>
    );
  }
  return (
    <div
      className={`${styles.verdict} ${styles.broken}`}
      role="alert"
      data-verdict="broken"
      data-broken-at={v.brokenAt}
    >
      <b>Chain broken at entry #{v.brokenAt}:</b> {v.problem}.{" "}
      {v.previousId ? `${v.entries} entries up to #${v.previousId} are sound; ` : "It is the first entry; "}
      everything from #{v.brokenAt} on (up to #{v.lastCoveredId}) cannot be trusted.{" "}
      <Link href={`/audit?cursor=${(BigInt(v.brokenAt) + 1n).toString()}`}>Show it</Link>
      <div className={styles.hash}>expected {v.expected}</div>
      <div className={styles.hash}>found {v.found}</div>
      <div>{v.anchor.message}.</div>
    </div>
  );
}
