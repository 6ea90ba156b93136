import "server-only";
import type { Sql } from "@/lib/db/client";

// Small helpers shared by the ingest transaction's statements.

/** The connection an ingest transaction runs on. */
export type Tx = Sql;

/** ISO text for timestamptz[] parameters (null stays null). */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A Date from a timestamptz column that may be null. */
export const dateOrNull = (d: Date | string | null): Date | null =>
  d === null ? null : d instanceof Date ? d : new Date(d);
