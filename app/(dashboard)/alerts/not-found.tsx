import Link from "next/link";

export default function AlertNotFound() {
  return (
    <main className="page">
      <div className="panel empty">
        <h2 style={{ border: 0 }}>No such alert</h2>
        <p>
          The link may be wrong, or the alert's service was deleted. <Link href="/alerts">All alerts</Link>
        </p>
      </div>
    </main>
  );
}
