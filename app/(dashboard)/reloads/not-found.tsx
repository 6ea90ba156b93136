import Link from "next/link";

export default function ReloadNotFound() {
  return (
    <main className="page">
      <div className="panel empty">
        <h2 style={{ border: 0 }}>No such reload</h2>
        <p>
          The link may be wrong, or the reload is older than the retention window.{" "}
          <Link href="/reloads">All reloads</Link>
        </p>
      </div>
    </main>
  );
}
