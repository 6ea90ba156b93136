// The list lives in the (list) group so its loading boundary does not wrap /reloads/[id], whose layout must answer a real 404 before anything streams.
export default function LoadingReloads() {
  return (
    <main className="page" aria-busy="true" aria-label="Loading reloads">
      <div className="page-head">
        <h1>Reloads</h1>
      </div>
      <div className="panel skeleton" style={{ height: 56, marginBottom: 16 }} />
      <div className="panel">
        {Array.from({ length: 10 }, (_, i) => (
          <div key={i} className="skeleton" style={{ height: 40, margin: 10 }} />
        ))}
      </div>
    </main>
  );
}
