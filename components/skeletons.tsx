// What a page shows while its data streams in (its loading.tsx): grey blocks where the
// content will be, so the layout does not jump when it arrives.

/** The four figures above the fleet matrix and a reload's timeline. */
export function StatsSkeleton() {
  return (
    <div className="stats">
      {[0, 1, 2, 3].map((i) => (
        <div key={i} className="stat skeleton" style={{ height: 58 }} />
      ))}
    </div>
  );
}

interface ListPageSkeletonProps {
  /** the page's title, shown at once */
  title: string;
  /** what is loading, for assistive technology */
  label: string;
  /** the figures above the list (the fleet's) */
  stats?: boolean;
  rows: number;
  rowHeight: number;
}

/** A list page: its title, the filter bar, and `rows` rows. */
export function ListPageSkeleton({ title, label, stats = false, rows, rowHeight }: ListPageSkeletonProps) {
  return (
    <main className="page" aria-busy="true" aria-label={label}>
      <div className="page-head">
        <h1>{title}</h1>
      </div>
      {stats ? <StatsSkeleton /> : null}
      <div className="panel skeleton" style={{ height: 56, marginBottom: 16 }} />
      <div className="panel">
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="skeleton" style={{ height: rowHeight, margin: 10 }} />
        ))}
      </div>
    </main>
  );
}
