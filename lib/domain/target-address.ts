// Where a reload target may be reached (DESIGN.md "Dispatch"). The dispatcher POSTs to a URL
// an admin typed and shows every attempt's outcome on the timeline, so without these rules
// it would probe cloud metadata endpoints and internal ports for whoever sets a target.
// Link-local and cloud-metadata addresses are refused unless TARGET_ALLOWED_HOSTS lists
// them; private ranges and loopback are allowed (reload targets usually live inside the
// network) unless TARGET_PRIVATE_ADDRESSES=deny. The dispatcher judges the address it
// connects to, at each attempt (lib/dispatch/webhook.ts); the admin form judges the URL's
// host as typed (lib/domain/admin-rules.ts).
import { BlockList, isIP } from "node:net";

export type RefusedCategory = "cloud-metadata" | "link-local" | "private" | "loopback";

export interface TargetAddressRules {
  /** host names, addresses and CIDR ranges that are allowed whatever they are (TARGET_ALLOWED_HOSTS) */
  allowedHosts: readonly string[];
  privateAddresses: "allow" | "deny";
}

export type TargetAddressVerdict = { allowed: true } | { allowed: false; category: RefusedCategory; reason: string };

/** Names of cloud instance-metadata services (they answer only inside their cloud, at a link-local address). */
const METADATA_HOST_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.azure.internal",
  "metadata.tencentyun.com",
  "metadata.platformequinix.com",
]);

function ranges(entries: [string, number, "ipv4" | "ipv6"][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of entries) list.addSubnet(network, prefix, family);
  return list;
}

// Exact metadata endpoints first: they sit inside ranges judged more leniently (fd00:ec2::254
// is in fc00::/7, Azure's and Alibaba's are public addresses).
const METADATA = ranges([
  ["169.254.169.254", 32, "ipv4"], // AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean…
  ["169.254.170.2", 32, "ipv4"], // AWS ECS task metadata
  ["100.100.100.200", 32, "ipv4"], // Alibaba Cloud
  ["168.63.129.16", 32, "ipv4"], // Azure WireServer
  ["fd00:ec2::254", 128, "ipv6"], // AWS over IPv6
]);
const LINK_LOCAL = ranges([
  ["169.254.0.0", 16, "ipv4"],
  ["fe80::", 10, "ipv6"],
]);
// The unspecified address connects to this machine, as loopback does.
const LOOPBACK = ranges([
  ["127.0.0.0", 8, "ipv4"],
  ["0.0.0.0", 8, "ipv4"],
  ["::1", 128, "ipv6"],
  ["::", 128, "ipv6"],
]);
const PRIVATE = ranges([
  ["10.0.0.0", 8, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["100.64.0.0", 10, "ipv4"], // carrier-grade NAT, as internal as the others
  ["fc00::", 7, "ipv6"],
]);

function refused(category: RefusedCategory): TargetAddressVerdict {
  // No more than the category: the timeline is read by every role.
  return { allowed: false, category, reason: `target address not allowed (${category})` };
}

function normaliseHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
}

/** An address as its family; IPv4-mapped IPv6 (::ffff:a.b.c.d, ::ffff:a9fe:a9fe) as the IPv4 it reaches. */
function asAddress(text: string): { address: string; family: "ipv4" | "ipv6" } | null {
  const address = normaliseHost(text);
  const version = isIP(address);
  if (version === 4) return { address, family: "ipv4" };
  if (version !== 6) return null;
  const mapped = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(.+)$/.exec(address);
  if (mapped) {
    const tail = mapped[1]!;
    if (isIP(tail) === 4) return { address: tail, family: "ipv4" };
    const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(tail);
    if (hex) {
      const high = parseInt(hex[1]!, 16);
      const low = parseInt(hex[2]!, 16);
      return { address: [high >> 8, high & 255, low >> 8, low & 255].join("."), family: "ipv4" };
    }
  }
  return { address, family: "ipv6" };
}

function listedRanges(allowedHosts: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of allowedHosts) {
    const [network, prefix] = entry.split("/");
    const ip = asAddress(network!);
    if (!ip) continue;
    if (prefix === undefined) list.addAddress(ip.address, ip.family);
    else list.addSubnet(ip.address, Number(prefix), ip.family);
  }
  return list;
}

function listed(
  host: string,
  address: { address: string; family: "ipv4" | "ipv6" } | null,
  rules: TargetAddressRules,
): boolean {
  if (rules.allowedHosts.includes(normaliseHost(host))) return true;
  return address !== null && listedRanges(rules.allowedHosts).check(address.address, address.family);
}

function categoryOf(ip: { address: string; family: "ipv4" | "ipv6" }): RefusedCategory | "public" {
  if (METADATA.check(ip.address, ip.family)) return "cloud-metadata";
  if (LINK_LOCAL.check(ip.address, ip.family)) return "link-local";
  if (LOOPBACK.check(ip.address, ip.family)) return "loopback";
  if (PRIVATE.check(ip.address, ip.family)) return "private";
  return "public";
}

function judge(category: RefusedCategory | "public", rules: TargetAddressRules): TargetAddressVerdict {
  if (category === "public") return { allowed: true };
  if ((category === "private" || category === "loopback") && rules.privateAddresses === "allow")
    return { allowed: true };
  return refused(category);
}

/** May the dispatcher connect to `address`, resolved from the URL's `host`? */
export function targetAddressVerdict(host: string, address: string, rules: TargetAddressRules): TargetAddressVerdict {
  const ip = asAddress(address);
  // Something that is not an address is not connected to; refuse as the strictest case.
  if (!ip) return refused("link-local");
  if (listed(host, ip, rules)) return { allowed: true };
  return judge(categoryOf(ip), rules);
}

/**
 * The URL's host as typed, before any lookup: an address literal is judged as the address,
 * a metadata service's name as cloud-metadata, `localhost` as loopback; any other name is
 * judged by what it resolves to, at each attempt.
 */
export function targetHostVerdict(host: string, rules: TargetAddressRules): TargetAddressVerdict {
  const name = normaliseHost(host);
  const ip = asAddress(name);
  if (ip) return targetAddressVerdict(name, ip.address, rules);
  if (listed(name, null, rules)) return { allowed: true };
  if (METADATA_HOST_NAMES.has(name)) return refused("cloud-metadata");
  if (name === "localhost" || name.endsWith(".localhost")) return judge("loopback", rules);
  return { allowed: true };
}

/** TARGET_ALLOWED_HOSTS: host names, addresses and CIDR ranges, comma or space separated. */
export function parseAllowedHosts(text: string): string[] {
  const entries = text
    .split(/[\s,]+/)
    .map(normaliseHost)
    .filter((e) => e !== "");
  for (const entry of entries) {
    const [network, prefix, extra] = entry.split("/");
    if (prefix === undefined) continue;
    const ip = asAddress(network!);
    const bits = Number(prefix);
    const max = ip?.family === "ipv4" ? 32 : 128;
    if (!ip || extra !== undefined || !/^\d+$/.test(prefix) || bits > max) {
      throw new Error(`TARGET_ALLOWED_HOSTS: "${entry}" is not an address range such as 10.0.0.0/8`);
    }
  }
  return entries;
}

/** A reload target's host (and port), or "configured": what anyone but an admin may see of it. */
export function targetHostOf(url: string): string {
  try {
    return new URL(url).host || "configured";
  } catch {
    return "configured";
  }
}

/**
 * A reload target's URL as `role` may see it: whole for admins (who manage targets), else
 * only its host — the URL's path or query may hold the service's token.
 */
export function targetUrlShownTo(role: string, url: string): string {
  return role === "admin" ? url : targetHostOf(url);
}
