// Prisma's delete and update refuse when the record they name is not there (P2025, raised by the
// client after its statement matched no row, so the transaction goes on). A room that answers
// "not found" itself reads that refusal as null.

/** What a Prisma delete or update returned, or null when its record was not there. */
export async function nullIfMissing<T>(write: Promise<T>): Promise<T | null> {
  try {
    return await write;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === "P2025") return null;
    throw error;
  }
}
