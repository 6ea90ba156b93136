// The dispatch signature (DESIGN.md "Dispatch"), as Stripe and Slack sign: a timestamp and
// an HMAC-SHA256 of "<t>.<body>" with the target's secret. The timestamp lets a receiver
// refuse a captured delivery replayed later; the body carries the delivery id (signed with
// it), so a capture cannot be passed off as another delivery either. Pure, and the same
// code as the README's receiver example: the demo's simulated target and the tests verify
// with it.
import { createHmac, timingSafeEqual } from "node:crypto";

/** A receiver refuses a signature further than this from its clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signatureHeader(body: string, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

export function verifySignature(input: {
  body: string;
  header: string | null | undefined;
  secret: string;
  now?: Date;
  toleranceSeconds?: number;
}): SignatureCheck {
  if (!input.header) return { ok: false, reason: "no signature header" };
  let timestamp: number | null = null;
  const given: string[] = [];
  for (const part of input.header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    // Several v1 entries are allowed, so a sender can sign with an old and a new secret while they rotate.
    else if (key === "v1" && value) given.push(value.toLowerCase());
  }
  if (timestamp === null || given.length === 0) return { ok: false, reason: "the header is not t=<seconds>,v1=<hex>" };
  const expected = Buffer.from(hmac(input.secret, timestamp, input.body), "utf8");
  // Every candidate is compared in constant time (a length mismatch says nothing about the secret).
  const matches = given.some((v) => {
    const candidate = Buffer.from(v, "utf8");
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  if (!matches) return { ok: false, reason: "no v1 signature matches" };
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance)
    return { ok: false, reason: `the signature is older than ${tolerance} s` };
  return { ok: true, timestamp };
}

export type DeliveryCheck = { ok: true; deliveryId: string; timestamp: number } | { ok: false; reason: string };

/**
 * A whole delivery: the signature, then the X-Reloadscope-Delivery header against the body's
 * signed `deliveryId`, so a receiver that deduplicates by the header cannot be fooled by a
 * capture sent again under a new id.
 */
export function verifyDelivery(input: {
  body: string;
  signature: string | null | undefined;
  delivery: string | null | undefined;
  secret: string;
  now?: Date;
}): DeliveryCheck {
  const signed = verifySignature({ body: input.body, header: input.signature, secret: input.secret, now: input.now });
  if (!signed.ok) return signed;
  let deliveryId: unknown;
  try {
    deliveryId = (JSON.parse(input.body) as { deliveryId?: unknown } | null)?.deliveryId;
  } catch {
    return { ok: false, reason: "the body is not JSON" };
  }
  if (typeof deliveryId !== "string" || deliveryId === "" || deliveryId !== input.delivery) {
    return { ok: false, reason: "X-Reloadscope-Delivery does not match the signed body's deliveryId" };
  }
  return { ok: true, deliveryId, timestamp: signed.timestamp };
}
