// The dispatch signature (DESIGN.md "Dispatch"): `t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">`, refused when older (or newer) than 5 minutes, and the delivery id signed in
// the body so a captured delivery cannot be passed off as another.
import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { signatureHeader, verifyDelivery, verifySignature } from "@/lib/dispatch/signature";

const SECRET = "whsec-unit-0123456789abcdef0123456789";
const NOW = new Date("2026-12-07T05:00:00Z");
const T = Math.floor(NOW.getTime() / 1000);
const BODY = JSON.stringify({ deliveryId: "rs-20261207-1-abcdef/all", reloadId: "rs-20261207-1-abcdef" });

describe("signatureHeader", () => {
  test("is t=<seconds>,v1=<hex HMAC-SHA256 of t.body>, as a receiver computes it by hand", () => {
    const v1 = createHmac("sha256", SECRET).update(`${T}.${BODY}`).digest("hex");
    expect(signatureHeader(BODY, SECRET, T)).toBe(`t=${T},v1=${v1}`);
  });
});

describe("verifySignature", () => {
  const header = signatureHeader(BODY, SECRET, T);
  test.each([
    ["a fresh signature", header, BODY, SECRET, NOW, { ok: true, timestamp: T }],
    ["4 min 59 s old", header, BODY, SECRET, new Date(NOW.getTime() + 299_000), { ok: true, timestamp: T }],
    [
      "with spaces and a second (rotated) v1",
      `t=${T}, v1=${"0".repeat(64)}, ${header.split(",")[1]}`,
      BODY,
      SECRET,
      NOW,
      { ok: true, timestamp: T },
    ],
    [
      "older than 5 minutes",
      header,
      BODY,
      SECRET,
      new Date(NOW.getTime() + 301_000),
      { ok: false, reason: "the signature is older than 300 s" },
    ],
    [
      "from more than 5 minutes ahead",
      header,
      BODY,
      SECRET,
      new Date(NOW.getTime() - 301_000),
      { ok: false, reason: "the signature is older than 300 s" },
    ],
    [
      "another body",
      header,
      BODY.replace("all", "rest"),
      SECRET,
      NOW,
      { ok: false, reason: "no v1 signature matches" },
    ],
    [
      "another secret",
      header,
      BODY,
      "another-secret-0123456789abcdef",
      NOW,
      { ok: false, reason: "no v1 signature matches" },
    ],
    [
      "the old body-only format",
      `sha256=${createHmac("sha256", SECRET).update(BODY).digest("hex")}`,
      BODY,
      SECRET,
      NOW,
      { ok: false, reason: "the header is not t=<seconds>,v1=<hex>" },
    ],
    [
      "a timestamp swapped in (the HMAC covers t)",
      header.replace(`t=${T}`, `t=${T + 60}`),
      BODY,
      SECRET,
      NOW,
      { ok: false, reason: "no v1 signature matches" },
    ],
    ["no header", null, BODY, SECRET, NOW, { ok: false, reason: "no signature header" }],
    ["a short v1", `t=${T},v1=abcd`, BODY, SECRET, NOW, { ok: false, reason: "no v1 signature matches" }],
  ])("%s", (_name, given, body, secret, now, expected) => {
    expect(verifySignature({ body, header: given, secret, now })).toEqual(expected);
  });
});

describe("verifyDelivery", () => {
  const header = signatureHeader(BODY, SECRET, T);
  test("a signed delivery whose header names the body's delivery id", () => {
    expect(
      verifyDelivery({ body: BODY, signature: header, delivery: "rs-20261207-1-abcdef/all", secret: SECRET, now: NOW }),
    ).toEqual({
      ok: true,
      deliveryId: "rs-20261207-1-abcdef/all",
      timestamp: T,
    });
  });
  test("a captured delivery replayed under another delivery id is refused: the id is signed in the body", () => {
    expect(
      verifyDelivery({
        body: BODY,
        signature: header,
        delivery: "rs-20261207-1-abcdef/rest",
        secret: SECRET,
        now: NOW,
      }),
    ).toEqual({
      ok: false,
      reason: "X-Reloadscope-Delivery does not match the signed body's deliveryId",
    });
  });
  test("a bad signature is refused before the body is read", () => {
    expect(verifyDelivery({ body: "{not json", signature: header, delivery: "x", secret: SECRET, now: NOW })).toEqual({
      ok: false,
      reason: "no v1 signature matches",
    });
  });
});
