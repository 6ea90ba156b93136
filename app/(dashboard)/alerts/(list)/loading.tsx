export default function Loading() {
  return (
    <main className="page" aria-busy="true">
      <div className="page-head">
        <h1>Alerts</h1>
        <span className="muted">Loading alerts…</span>
      </div>
    </main>
  );
}
