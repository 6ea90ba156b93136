// What a machine token may do (DESIGN.md "Read API", docs/adr/0006): `ingest` sends events,
// spans and log records; `read` reads the read API, the replay and the metrics. A token holds one or both.

export const SCOPES = ["ingest", "read"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
