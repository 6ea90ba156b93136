import Link from "next/link";

export default function NotFound() {
  return (
    <main className="page">
      <div className="panel empty">
        <h2 style={{ border: 0 }}>Page not found</h2>
        <p>
          Nothing lives at this address. <Link href="/fleet">Back to the fleet</Link>
        </p>
      </div>
    </main>
  );
}
