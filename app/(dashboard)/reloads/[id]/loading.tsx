export default function LoadingReload() {
  return (
    <main className="page" aria-busy="true" aria-label="Loading the reload">
      <div className="skeleton" style={{ height: 28, width: 360, marginBottom: 16 }} />
      <div className="stats">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="stat skeleton" style={{ height: 58 }} />
        ))}
      </div>
      <div className="panel skeleton" style={{ height: 420 }} />
    </main>
  );
}
