// "The fleet changed since this view loaded": decided on two server times, never the browser's clock.

/**
 * `renderedChangeAt` is the latest change the server saw when it rendered the view, and
 * `polledChangeAt` the latest change GET /api/fleet/status reports now; both are ISO
 * strings from the database (or null when nothing has changed yet).
 */
export function fleetChangedSince(renderedChangeAt: string | null, polledChangeAt: string | null): boolean {
  if (polledChangeAt === null) return false;
  const polled = Date.parse(polledChangeAt);
  if (Number.isNaN(polled)) return false;
  if (renderedChangeAt === null) return true;
  const rendered = Date.parse(renderedChangeAt);
  return Number.isNaN(rendered) || polled > rendered;
}
