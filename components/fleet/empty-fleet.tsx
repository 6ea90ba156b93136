export function EmptyFleet() {
  return (
    <div className="panel empty">
      <h2 style={{ border: 0 }}>No reload events yet</h2>
      <p>Services appear here as soon as they report. Send one event to see it:</p>
      <pre>{`curl -X POST http://localhost:3000/api/v1/events \\
  -H "Authorization: Bearer $INGEST_TOKEN" -H "Content-Type: application/json" \\
  -d '{"id":"evt-1","environment":"prod","service":"checkout-api",
       "instance":"checkout-api-1","kind":"config","resource":"routes.yaml",
       "phase":"heartbeat","toVersion":"b7d2f11",
       "occurredAt":"'$(date -u +%Y-%m-%dT%H:%M:%SZ)'"}'`}</pre>
    </div>
  );
}
