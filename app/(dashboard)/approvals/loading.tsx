export default function LoadingApprovals() {
  return (
    <main className="page" aria-busy="true" aria-label="Loading the approvals queue">
      <div className="page-head">
        <h1>Approvals</h1>
      </div>
      {[0, 1, 2].map((i) => (
        <div key={i} className="panel skeleton" style={{ height: 150, marginBottom: 12 }} />
      ))}
    </main>
  );
}
