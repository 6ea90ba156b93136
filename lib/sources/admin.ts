import "server-only";
import { ActionError } from "@/lib/auth/action-error";
import type { ActionSubjectInfo } from "@/lib/auth/define-action";
import { sealSecret } from "@/lib/crypto/secret-box";
import type { DbTransaction, Sql } from "@/lib/db/client";
import { nullIfMissing } from "@/lib/db/missing";
import type { SourceRule } from "@/lib/domain/source-catalogue";

// Adding and removing sources. The bearer token is sealed (AES-256-GCM under SECRETS_KEY,
// lib/crypto/secret-box.ts) because the worker must send it again; it is never returned,
// shown, logged or audited: the page and the audit say only whether one is set.

export interface NewSource {
  name: string;
  url: string;
  token?: string | null;
  environmentLabels: string[];
  defaultEnvironment: string;
  serviceLabel: string;
  instanceLabel: string;
  rules: SourceRule[];
}

/** The source, locked (SQL: Prisma has no FOR UPDATE) for the rest of the action's transaction. */
export async function sourceSubject(tx: Sql, sourceId: number): Promise<ActionSubjectInfo | null> {
  const [row] = await tx.query<{ id: number }[]>(`SELECT id FROM prometheus_source WHERE id = $1 FOR UPDATE`, sourceId);
  return row ? { subject: `prometheus_source:${row.id}` } : null;
}

export async function addSource(tx: DbTransaction, actorId: number, source: NewSource): Promise<{ id: number }> {
  // skipDuplicates: ON CONFLICT (name) DO NOTHING, so a taken name returns no row.
  const [row] = await tx.db.prometheusSource.createManyAndReturn({
    data: {
      name: source.name,
      url: source.url,
      tokenCiphertext: source.token ? seal(source.token) : null,
      environmentLabels: source.environmentLabels,
      defaultEnvironment: source.defaultEnvironment,
      serviceLabel: source.serviceLabel,
      instanceLabel: source.instanceLabel,
      rules: source.rules.map((rule) => ({ ...rule })),
      createdBy: actorId,
    },
    skipDuplicates: true,
    select: { id: true },
  });
  if (!row)
    throw new ActionError("conflict", "A source with this name exists already.", {
      name: ["A source with this name exists already: choose another name, or remove that one first."],
    });
  return row;
}

export async function removeSource(tx: DbTransaction, sourceId: number): Promise<{ name: string; url: string }> {
  const removed = tx.db.prometheusSource.delete({ where: { id: sourceId }, select: { name: true, url: true } });
  const row = await nullIfMissing(removed);
  if (!row) throw new ActionError("not_found", "This source does not exist (it may have been removed already).");
  return row;
}

function seal(token: string): string {
  try {
    return sealSecret(token);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ActionError("failed", `The token cannot be stored encrypted: ${reason}. Nothing was changed.`);
  }
}
