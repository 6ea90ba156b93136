"use client";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/auth/define-action";
import { testSource, type SourceTestResult } from "@/lib/sources/actions/test-source";
import styles from "./admin.module.css";

/** Runs one query of the source now and shows what it found, or why it could not. */
export function SourceTestButton({ sourceId }: { sourceId: number }) {
  const [result, setResult] = useState<ActionResult<SourceTestResult> | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div>
      <button
        type="button"
        className={`${styles.small} secondary`}
        disabled={pending}
        aria-busy={pending}
        onClick={() => startTransition(async () => setResult(await testSource({ sourceId })))}
      >
        {pending ? "Querying…" : "Test"}
      </button>
      {result === null ? null : !result.ok ? (
        <div className={`${styles.message} ${styles.bad}`} role="alert">
          {result.error}
        </div>
      ) : !result.data.ok ? (
        <div className={`${styles.message} ${styles.bad}`} role="alert" data-source-test="error">
          {result.data.error}
        </div>
      ) : (
        <div className={`${styles.message} ${styles.ok}`} role="status" data-source-test="ok">
          The query answered {result.data.series} series; {result.data.mapped.filter((m) => m.mapsTo).length} map to
          reloads
          {result.data.series === 0 ? " (does this Prometheus scrape any server in the catalogue?)" : ""}.
          {result.data.mapped.length > 0 ? (
            <ul style={{ margin: "6px 0 0", paddingLeft: 18 }}>
              {result.data.mapped.slice(0, 10).map((m) => (
                <li key={m.series}>
                  <code>{m.series}</code> → {m.mapsTo ?? <span className="muted">{m.problem}</span>}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      )}
    </div>
  );
}
