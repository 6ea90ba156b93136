export default function LoadingService() {
  return (
    <main className="page" aria-busy="true" aria-label="Loading the service">
      <div className="skeleton" style={{ height: 28, width: 320, marginBottom: 16 }} />
      <div className="grid-2">
        <div className="panel skeleton" style={{ height: 180 }} />
        <div className="panel skeleton" style={{ height: 180 }} />
      </div>
      <div className="panel skeleton" style={{ height: 320 }} />
    </main>
  );
}
