export default function LoadingFleet() {
  return (
    <main className="page" aria-busy="true" aria-label="Loading the fleet">
      <div className="page-head">
        <h1>Fleet versions</h1>
      </div>
      <div className="stats">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="stat skeleton" style={{ height: 58 }} />
        ))}
      </div>
      <div className="panel skeleton" style={{ height: 56, marginBottom: 16 }} />
      <div className="panel">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="skeleton" style={{ height: 44, margin: 10 }} />
        ))}
      </div>
    </main>
  );
}
