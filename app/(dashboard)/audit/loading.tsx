export default function LoadingAudit() {
  return (
    <main className="page" aria-busy="true" aria-label="Loading the audit log">
      <div className="page-head">
        <h1>Audit log</h1>
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
