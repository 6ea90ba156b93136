import { StatsSkeleton } from "@/components/skeletons";

export default function LoadingReload() {
  return (
    <main className="page" aria-busy="true" aria-label="Loading the reload">
      <div className="skeleton" style={{ height: 28, width: 360, marginBottom: 16 }} />
      <StatsSkeleton />
      <div className="panel skeleton" style={{ height: 420 }} />
    </main>
  );
}
