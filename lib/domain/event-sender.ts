// Who sent a stored event, as its details and evidence bundles show it: the ingest token by
// name and prefix (never its hash), or Reloadscope for what the app wrote itself (requests,
// approvals, dispatch, the demo), whose events carry no token.

export const RELOADSCOPE_SENDER = "Reloadscope";

export function eventSender(token: { id: number; name: string | null; prefix: string | null } | null): string {
  if (token === null) return RELOADSCOPE_SENDER;
  // A token row is never deleted, but say which one it was should it be missing.
  if (token.name === null) return `token #${token.id}`;
  return `token “${token.name}” (${token.prefix})`;
}
