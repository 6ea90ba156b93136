import Link from "next/link";

export default function ServiceNotFound() {
  return (
    <main className="page">
      <div className="panel empty">
        <h2 style={{ border: 0 }}>No such service</h2>
        <p>
          It may have been renamed, or the link is wrong. <Link href="/fleet">Back to the fleet</Link>
        </p>
      </div>
    </main>
  );
}
