"use client";

export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="page">
      <div className="panel empty" role="alert">
        <h2 style={{ border: 0 }}>This view could not be loaded</h2>
        <p>
          The database may be unavailable or restarting.{" "}
          {error.digest ? (
            <>
              Error id: <code>{error.digest}</code>
            </>
          ) : null}
        </p>
        <button onClick={reset}>Try again</button>
      </div>
    </main>
  );
}
