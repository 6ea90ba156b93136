// The SQLSTATE of a database error, however it reached us: pg's errors carry it as `code`;
// Prisma Client's (its queries and $queryRawUnsafe, e.g. inside dbTransaction) carry their
// own code (P2010, P2034, …) and keep the driver's error in `meta.driverAdapterError`, whose
// cause has the original SQLSTATE as `originalCode`.

type PrismaShaped = { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };

export function sqlState(error: unknown): string | null {
  if (!error || typeof error !== "object") return null;
  const original = (error as PrismaShaped).meta?.driverAdapterError?.cause?.originalCode;
  if (typeof original === "string") return original;
  const code = (error as { code?: unknown }).code;
  // Prisma's own codes are P1000–P6999; PL/pgSQL's SQLSTATEs are P0000–P0004.
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9]\d{3}$/.test(code) ? code : null;
}
