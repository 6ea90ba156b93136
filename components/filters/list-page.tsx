// The parts the cursor-paged list pages (reloads, audit) share: the panel that says why the
// URL's filters cannot be used, and the pager back to the newest and on to older entries.

interface FilterErrorProps {
  parameter: string;
  message: string;
  clearHref: string;
}

/** The URL's filters were refused: which parameter, why, and the way back to the unfiltered list. */
export function FilterError({ parameter, message, clearHref }: FilterErrorProps) {
  return (
    <div className="panel empty" role="alert" data-filter-error={parameter}>
      <h2 style={{ border: 0 }}>These filters cannot be used</h2>
      <p className="error-text">{message}</p>
      <a href={clearHref}>Clear the filters</a>
    </div>
  );
}

/** "⇤ Newest" when the page is not the first, "Older →" when there is more. */
export function CursorPager({ newestHref, olderHref }: { newestHref: string | null; olderHref: string | null }) {
  return (
    <nav className="pager" aria-label="Pages">
      {newestHref ? <a href={newestHref}>⇤ Newest</a> : null}
      {olderHref ? (
        <a href={olderHref} rel="next">
          Older →
        </a>
      ) : null}
    </nav>
  );
}
