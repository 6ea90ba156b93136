import { isIP } from "node:net";

// Failed token lookups are limited per client address in memory, so a flood of bad tokens
// costs the database at most `maxFailures` lookups per window per address, and then gets
// 429 without any lookup (docs/adr/0006; lib/api/tokens.ts). Lookups still under way count
// against the allowance too, so a concurrent burst cannot outrun it; one that finds a valid
// token gives its share back. Only failures use the allowance up, and tokens already known
// to be valid skip the limiter altogether. Sign-in keeps its buckets with the same limiter
// (docs/adr/0018).

export const UNKNOWN_ADDRESS = "unknown";
const OVERFLOW_ADDRESS = "overflow";

/**
 * The address to charge failures to. Route handlers in Next.js do not see the socket, and
 * Next fills X-Forwarded-For only when the client did not send one, so the header is the
 * client's own word unless proxies we trust append to it. With `trustedHops` proxies in
 * front, the client is the entry that many places from the right (the one the outermost
 * trusted proxy appended); entries further left are whatever the client claimed. With no
 * trusted proxy every caller shares one bucket, since any per-caller key would be forgeable.
 */
export function clientAddress(headers: Headers, trustedHops: number): string {
  if (trustedHops <= 0) return UNKNOWN_ADDRESS;
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  const hop =
    forwarded.length > 0 ? forwarded[Math.max(0, forwarded.length - trustedHops)] : headers.get("x-real-ip")?.trim();
  return hop ? normaliseAddress(hop) : UNKNOWN_ADDRESS;
}

/** One bucket per IPv4 address and per IPv6 /64 (what one host usually controls). */
export function normaliseAddress(raw: string): string {
  let address = raw.toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  address = address.replace(/%.*$/, ""); // zone id
  if (address.startsWith("::ffff:") && isIP(address.slice(7)) === 4) address = address.slice(7);
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) return `${expandIpv6(address).slice(0, 4).join(":")}::/64`;
  return "invalid";
}

function expandIpv6(address: string): string[] {
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::1.2.3.4) counts as two groups; only the first four matter here.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const missing = tail === undefined ? 0 : 8 - width(left) - width(right);
  return [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right].map((g) =>
    g.includes(".") ? g : g.replace(/^0+(?=.)/, ""),
  );
}

export interface FailureLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Addresses tracked at once; beyond it, new addresses share one bucket. */
  maxAddresses?: number;
  now?: () => number;
}

interface Bucket {
  windowStart: number;
  failures: number;
  /** Lookups charged and not yet settled. */
  pending: number;
}

export class FailureLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly options: FailureLimiterOptions) {
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Seconds the address must wait before its next lookup, or null when it may look up now:
   * the rest of the window once its failures reach the limit, a second while lookups under
   * way would take it there.
   */
  retryAfterSeconds(address: string): number | null {
    const bucket = this.buckets.get(this.key(address));
    if (!bucket) return null;
    const remainingMs = bucket.windowStart + this.options.windowMs - this.now();
    const failures = remainingMs > 0 ? bucket.failures : 0;
    if (failures >= this.options.maxFailures) return Math.max(1, Math.ceil(remainingMs / 1000));
    return failures + bucket.pending >= this.options.maxFailures ? 1 : null;
  }

  /** Counts a lookup against the address before it runs; settle() the returned ticket when it ends. */
  charge(address: string): string {
    const now = this.now();
    if (!this.buckets.has(address) && this.buckets.size >= this.maxAddresses) this.sweep(now);
    // Still full: a new address joins the shared overflow bucket rather than evicting a
    // tracked one, so cycling through addresses cannot reset anyone's count.
    const key = this.key(address);
    let bucket = this.open(key, now);
    if (!bucket) {
      bucket = { windowStart: now, failures: 0, pending: 0 };
      this.buckets.set(key, bucket);
    }
    bucket.pending++;
    return key;
  }

  /** Ends a charged lookup: a failure uses up allowance, anything else gives it back. */
  settle(ticket: string, failed: boolean): void {
    const bucket = this.open(ticket, this.now());
    if (!bucket) return;
    bucket.pending = Math.max(0, bucket.pending - 1);
    if (failed) bucket.failures++;
  }

  get trackedAddresses(): number {
    return this.buckets.size;
  }

  /** The address's bucket, starting a new window (failures forgotten) when its last one has ended. */
  private open(key: string, now: number): Bucket | undefined {
    const bucket = this.buckets.get(key);
    if (bucket && now - bucket.windowStart >= this.options.windowMs) {
      bucket.windowStart = now;
      bucket.failures = 0;
    }
    return bucket;
  }

  private key(address: string): string {
    return this.buckets.has(address) || this.buckets.size < this.maxAddresses ? address : OVERFLOW_ADDRESS;
  }

  private sweep(now: number): void {
    for (const [address, bucket] of this.buckets) {
      if (bucket.pending === 0 && now - bucket.windowStart >= this.options.windowMs) this.buckets.delete(address);
    }
  }
}
