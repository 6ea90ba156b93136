export default function Loading() {
  return (
    <main className="page" aria-busy="true">
      <div className="page-head">
        <h1>Alert</h1>
        <span className="muted">Loading…</span>
      </div>
    </main>
  );
}
