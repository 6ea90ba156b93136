// Which addresses a reload target may be reached at (DESIGN.md "Dispatch"): link-local and
// cloud-metadata never unless TARGET_ALLOWED_HOSTS lists them; private and loopback allowed
// unless TARGET_PRIVATE_ADDRESSES=deny.
import { describe, expect, test } from "vitest";
import {
  parseAllowedHosts,
  targetAddressVerdict,
  targetHostVerdict,
  targetUrlShownTo,
  type TargetAddressRules,
} from "@/lib/domain/target-address";

const ALLOW: TargetAddressRules = { allowedHosts: [], privateAddresses: "allow" };
const DENY: TargetAddressRules = { allowedHosts: [], privateAddresses: "deny" };

describe("targetAddressVerdict: the resolved address", () => {
  test.each([
    // address, rules, expected refusal category (null: allowed)
    ["93.184.216.34", ALLOW, null],
    ["2606:2800:220:1::1", ALLOW, null],
    ["169.254.169.254", ALLOW, "cloud-metadata"],
    ["169.254.170.2", ALLOW, "cloud-metadata"],
    ["169.254.1.1", ALLOW, "link-local"],
    ["fe80::1", ALLOW, "link-local"],
    ["febf:ffff::1", ALLOW, "link-local"],
    ["fd00:ec2::254", ALLOW, "cloud-metadata"],
    ["100.100.100.200", ALLOW, "cloud-metadata"],
    ["168.63.129.16", ALLOW, "cloud-metadata"],
    ["::ffff:169.254.169.254", ALLOW, "cloud-metadata"],
    ["::ffff:a9fe:a9fe", ALLOW, "cloud-metadata"],
    ["10.0.0.1", ALLOW, null],
    ["172.16.0.1", ALLOW, null],
    ["172.31.255.255", ALLOW, null],
    ["192.168.1.10", ALLOW, null],
    ["fd12:3456::1", ALLOW, null],
    ["127.0.0.1", ALLOW, null],
    ["::1", ALLOW, null],
    ["10.0.0.1", DENY, "private"],
    ["172.16.0.1", DENY, "private"],
    ["192.168.1.10", DENY, "private"],
    ["fc00::1", DENY, "private"],
    ["::ffff:10.1.2.3", DENY, "private"],
    ["100.64.0.1", DENY, "private"],
    ["127.0.0.1", DENY, "loopback"],
    ["127.5.6.7", DENY, "loopback"],
    ["::1", DENY, "loopback"],
    ["0.0.0.0", DENY, "loopback"],
    ["::", DENY, "loopback"],
    ["172.32.0.1", DENY, null],
    ["93.184.216.34", DENY, null],
  ] as const)("%s (%o) → %s", (address, rules, refused) => {
    const verdict = targetAddressVerdict("svc.example", address, rules);
    if (refused === null) expect(verdict).toEqual({ allowed: true });
    else
      expect(verdict).toEqual({ allowed: false, category: refused, reason: `target address not allowed (${refused})` });
  });

  test.each([
    // TARGET_ALLOWED_HOSTS lists the host name, the address or a range holding it
    ["metadata.google.internal", "169.254.169.254", "metadata.google.internal"],
    ["svc.example", "169.254.169.254", "169.254.169.254"],
    ["svc.example", "169.254.3.4", "169.254.0.0/16"],
    ["svc.example", "10.0.0.1", "10.0.0.0/8"],
    ["svc.example", "127.0.0.1", "127.0.0.1"],
    ["[::1]", "::1", "::1"],
    ["svc.example", "fe80::1", "fe80::/10"],
  ])("%s at %s is allowed when TARGET_ALLOWED_HOSTS lists %s", (host, address, listed) => {
    expect(
      targetAddressVerdict(host, address, { allowedHosts: parseAllowedHosts(listed), privateAddresses: "deny" }),
    ).toEqual({ allowed: true });
  });

  test("an allowed-hosts entry for another host or range does not open this one", () => {
    const rules = { allowedHosts: parseAllowedHosts("other.example, 10.0.0.0/8"), privateAddresses: "deny" as const };
    expect(targetAddressVerdict("svc.example", "169.254.169.254", rules)).toMatchObject({
      allowed: false,
      category: "cloud-metadata",
    });
    expect(targetAddressVerdict("svc.example", "192.168.0.1", rules)).toMatchObject({
      allowed: false,
      category: "private",
    });
  });
});

describe("targetHostVerdict: the URL's host, before any lookup", () => {
  test.each([
    ["metadata.google.internal", ALLOW, "cloud-metadata"],
    ["METADATA.GOOGLE.INTERNAL.", ALLOW, "cloud-metadata"],
    ["metadata.goog", ALLOW, "cloud-metadata"],
    ["instance-data.ec2.internal", ALLOW, "cloud-metadata"],
    ["169.254.169.254", ALLOW, "cloud-metadata"],
    ["[fd00:ec2::254]", ALLOW, "cloud-metadata"],
    ["[fe80::1]", ALLOW, "link-local"],
    ["10.0.0.1", DENY, "private"],
    ["localhost", DENY, "loopback"],
    ["127.0.0.1", DENY, "loopback"],
    ["[::1]", DENY, "loopback"],
    ["10.0.0.1", ALLOW, null],
    ["localhost", ALLOW, null],
    // A name is judged by what it resolves to, at each attempt.
    ["checkout.internal", DENY, null],
  ] as const)("%s (%o) → %s", (host, rules, refused) => {
    const verdict = targetHostVerdict(host, rules);
    if (refused === null) expect(verdict).toEqual({ allowed: true });
    else expect(verdict).toMatchObject({ allowed: false, category: refused });
  });

  test("a metadata host name listed in TARGET_ALLOWED_HOSTS is allowed", () => {
    expect(
      targetHostVerdict("metadata.google.internal", {
        allowedHosts: ["metadata.google.internal"],
        privateAddresses: "allow",
      }),
    ).toEqual({ allowed: true });
  });
});

test("parseAllowedHosts: comma or space separated, lowercased, brackets and trailing dots dropped; a bad range is refused", () => {
  expect(parseAllowedHosts(" Metadata.Google.Internal., [fd00:ec2::254] 10.0.0.0/8 ,")).toEqual([
    "metadata.google.internal",
    "fd00:ec2::254",
    "10.0.0.0/8",
  ]);
  expect(parseAllowedHosts("")).toEqual([]);
  expect(() => parseAllowedHosts("10.0.0.0/99")).toThrow(/10\.0\.0\.0\/99/);
});

describe("targetUrlShownTo: a target URL may hold a token, so only admins see it whole", () => {
  test.each([
    ["admin", "https://hooks.example.com/reload?token=s3cr3t", "https://hooks.example.com/reload?token=s3cr3t"],
    ["approver", "https://hooks.example.com/reload?token=s3cr3t", "hooks.example.com"],
    ["operator", "https://hooks.example.com:8443/T000/B000/XXXX", "hooks.example.com:8443"],
    ["viewer", "http://[::1]:3000/api/demo/reload-target", "[::1]:3000"],
    ["viewer", "not a url", "configured"],
    ["nobody-knows", "https://hooks.example.com/reload", "hooks.example.com"],
  ])("%s sees %s as %s", (role, url, shown) => {
    expect(targetUrlShownTo(role, url)).toBe(shown);
  });
});
