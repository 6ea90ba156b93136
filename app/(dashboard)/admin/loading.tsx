export default function AdminLoading() {
  return (
    <div aria-busy="true" aria-label="Loading">
      <div className="skeleton" style={{ height: 28, width: 240, marginBottom: 12 }} />
      <div className="skeleton" style={{ height: 220 }} />
    </div>
  );
}
