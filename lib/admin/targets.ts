import "server-only";
import { randomBytes } from "node:crypto";
import { ActionError } from "@/lib/auth/action-error";
import { sealSecret } from "@/lib/crypto/secret-box";
import type { DbTransaction } from "@/lib/db/client";
import { nullIfMissing } from "@/lib/db/missing";

// Reload targets (DESIGN.md "Dispatch"): where a service's approved reloads are POSTed, and
// the HMAC key that signs them. The key is sealed (AES-256-GCM, lib/crypto/secret-box.ts)
// because dispatch must sign with it again; it leaves this module only once, in the answer
// to the action that generated it, and never goes into the audit log.

export type SecretMode = "generate" | "enter" | "keep";

export interface TargetChange {
  serviceId: number;
  /** already checked and normalised (checkTargetUrl) */
  url: string;
  secretMode: SecretMode;
  /** the entered secret when secretMode is "enter" */
  secret: string | null;
}

export interface TargetSaved {
  created: boolean;
  previousUrl: string | null;
  /** the generated secret, to be shown once; null when the admin entered or kept one */
  generatedSecret: string | null;
}

/** 256 random bits, URL-safe so it pastes into any config format unquoted. */
export function generateTargetSecret(): string {
  return randomBytes(32).toString("base64url");
}

export async function saveReloadTarget(tx: DbTransaction, actorId: number, change: TargetChange): Promise<TargetSaved> {
  // Locked (Prisma has no FOR UPDATE), so `existing` is what this change replaces.
  const [existing] = await tx.query<{ url: string }[]>(
    `SELECT url FROM reload_target WHERE service_id = $1 FOR UPDATE`,
    change.serviceId,
  );
  if (change.secretMode === "keep") {
    if (!existing) {
      throw new ActionError("invalid", "This service has no secret yet.", {
        secretMode: ["This service has no target yet, so there is no secret to keep: generate one or enter one."],
      });
    }
    await tx.db.reloadTarget.update({
      where: { serviceId: change.serviceId },
      data: { url: change.url, updatedAt: new Date(), updatedBy: actorId },
      select: { serviceId: true },
    });
    return { created: false, previousUrl: existing.url, generatedSecret: null };
  }
  const secret = change.secretMode === "generate" ? generateTargetSecret() : (change.secret ?? "");
  const saved = { url: change.url, secretCiphertext: seal(secret), updatedAt: new Date(), updatedBy: actorId };
  await tx.db.reloadTarget.upsert({
    where: { serviceId: change.serviceId },
    create: { serviceId: change.serviceId, ...saved },
    update: saved,
    select: { serviceId: true },
  });
  return {
    created: !existing,
    previousUrl: existing?.url ?? null,
    generatedSecret: change.secretMode === "generate" ? secret : null,
  };
}

function seal(secret: string): string {
  try {
    return sealSecret(secret);
  } catch (error) {
    // Only a missing or malformed SECRETS_KEY makes sealing fail; say what to fix, not the stack.
    const reason = error instanceof Error ? error.message : String(error);
    throw new ActionError("failed", `The secret cannot be stored encrypted: ${reason}. Nothing was changed.`);
  }
}

export async function removeReloadTarget(tx: DbTransaction, serviceId: number): Promise<{ url: string }> {
  const row = await nullIfMissing(tx.db.reloadTarget.delete({ where: { serviceId }, select: { url: true } }));
  if (!row) throw new ActionError("not_found", "This service has no reload target (it may have been removed already).");
  return row;
}
