// The initiator of the reloads a Prometheus source saw (`source:<name>`), and the way back
// from one to its source's page. Apart from source-mapping.ts (node:crypto) so that client
// components can link an initiator to its source.

const PREFIX = "source:";

export function sourceInitiator(name: string): string {
  return `${PREFIX}${name}`;
}

/** The source's name in an initiator written by a source, else null. */
export function sourceOfInitiator(initiator: string | null | undefined): string | null {
  return initiator?.startsWith(PREFIX) && initiator.length > PREFIX.length ? initiator.slice(PREFIX.length) : null;
}

/** Where a source is shown: its card on the admin sources page. */
export function sourceHref(name: string): string {
  return `/admin/sources#source-${encodeURIComponent(name)}`;
}
