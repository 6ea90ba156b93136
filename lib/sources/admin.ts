import "server-only";
import { ActionError } from "@/lib/auth/action-error";
import type { ActionSubjectInfo } from "@/lib/auth/define-action";
import { sealSecret } from "@/lib/crypto/secret-box";
import type { Sql } from "@/lib/db/client";
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

export async function sourceSubject(tx: Sql, sourceId: number): Promise<ActionSubjectInfo | null> {
  const [row] = await tx.query<{ id: number }[]>(`SELECT id FROM prometheus_source WHERE id = $1 FOR UPDATE`, sourceId);
  return row ? { subject: `prometheus_source:${row.id}` } : null;
}

export async function addSource(tx: Sql, actorId: number, source: NewSource): Promise<{ id: number }> {
  const sealed = source.token ? seal(source.token) : null;
  const [row] = await tx.query<{ id: number }[]>(
    `INSERT INTO prometheus_source (name, url, token_ciphertext, environment_labels, default_environment, service_label, instance_label, rules, created_by)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8::jsonb, $9)
     ON CONFLICT (name) DO NOTHING
     RETURNING id`,
    source.name,
    source.url,
    sealed,
    source.environmentLabels,
    source.defaultEnvironment,
    source.serviceLabel,
    source.instanceLabel,
    JSON.stringify(source.rules),
    actorId,
  );
  if (!row) throw new ActionError("conflict", "A source with this name exists already.", { name: ["A source with this name exists already: choose another name, or remove that one first."] });
  return row;
}

export async function removeSource(tx: Sql, sourceId: number): Promise<{ name: string; url: string }> {
  const [row] = await tx.query<{ name: string; url: string }[]>(`DELETE FROM prometheus_source WHERE id = $1 RETURNING name, url`, sourceId);
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
