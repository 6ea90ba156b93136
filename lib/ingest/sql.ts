import "server-only";
import type { Sql } from "@/lib/db/client";

// Small helpers shared by the ingest transaction's statements.

/** The connection an ingest transaction runs on. */
export type Tx = Sql;

/** ISO text for timestamptz[] parameters (null stays null). */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Entries sorted by key: every transaction locks rows in this order, so none deadlock. */
export const byKey = <T>(rows: [string, T][]): [string, T][] => rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
