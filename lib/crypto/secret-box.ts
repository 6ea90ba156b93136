import "server-only";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { env } from "@/lib/env";

// Secrets the app must use again (a reload target's HMAC key), as opposed to secrets it only
// checks (passwords, tokens: hashed). AES-256-GCM under SECRETS_KEY; the stored text is
// "v1.<iv>.<tag>.<ciphertext>" in base64url, so a wrong key or an edited row fails loudly
// instead of signing with garbage. The key id (first 8 hex of its SHA-256) is kept too, so a
// rotated key names itself in the error.

const VERSION = "v1";

function key(): Buffer {
  const raw = env().SECRETS_KEY;
  if (!raw) throw new Error("SECRETS_KEY is not set: it encrypts reload target secrets (32 bytes, base64 or hex)");
  return decodeKey(raw);
}

export function decodeKey(raw: string): Buffer {
  const bytes = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (bytes.length !== 32) throw new Error("SECRETS_KEY must be 32 bytes, as 64 hex characters or base64");
  return bytes;
}

function keyId(k: Buffer): string {
  return createHash("sha256").update(k).digest("hex").slice(0, 8);
}

/** A new random key, as SECRETS_KEY expects it. */
export function generateSecretsKey(): string {
  return randomBytes(32).toString("base64");
}

export function sealSecret(plaintext: string): string {
  const k = key();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", k, iv);
  cipher.setAAD(Buffer.from(VERSION));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url"));
  return [VERSION, keyId(k), ...parts].join(".");
}

export function openSecret(sealed: string): string {
  const [version, id, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !id || !iv || !tag || body === undefined)
    throw new Error("stored secret is not in a known format");
  const k = key();
  if (id !== keyId(k))
    throw new Error(`stored secret was sealed with another SECRETS_KEY (key id ${id}, current ${keyId(k)})`);
  const decipher = createDecipheriv("aes-256-gcm", k, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(VERSION));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
