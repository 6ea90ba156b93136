import { describe, expect, test } from "vitest";
import { listensOnLoopbackOnly, metricsNeedsToken } from "@/lib/domain/listen-address";

describe("listensOnLoopbackOnly", () => {
  test.each<[string, boolean]>([
    ["127.0.0.1", true],
    ["127.0.0.53", true],
    ["127.255.255.254", true],
    ["localhost", true],
    ["LOCALHOST", true],
    [" localhost ", true],
    ["::1", true],
    ["[::1]", true],
    ["0:0:0:0:0:0:0:1", true],
    ["::ffff:127.0.0.1", true],
  ])("%j is loopback", (host, loopback) => {
    expect(listensOnLoopbackOnly(host, false)).toBe(loopback);
    expect(listensOnLoopbackOnly(host, true)).toBe(loopback);
  });

  test.each<[string]>([
    ["0.0.0.0"],
    ["::"],
    ["[::]"],
    ["10.0.0.5"],
    ["192.168.1.20"],
    ["128.0.0.1"],
    ["127.0.0.256"],
    ["127.0.0"],
    ["127.1"],
    ["1127.0.0.1"],
    ["::2"],
    ["::ffff:10.0.0.1"],
    ["localhost.example.com"],
    ["my-host"],
    [""],
  ])("%j is not loopback, embedded or not", (host) => {
    expect(listensOnLoopbackOnly(host, false)).toBe(false);
    expect(listensOnLoopbackOnly(host, true)).toBe(false);
  });

  test("unset HOST: loopback for the embedded demo (npm start binds 127.0.0.1), every interface otherwise (0.0.0.0)", () => {
    expect(listensOnLoopbackOnly(undefined, true)).toBe(true);
    expect(listensOnLoopbackOnly(undefined, false)).toBe(false);
  });
});

describe("metricsNeedsToken", () => {
  test.each<[boolean, boolean, boolean]>([
    // loopback, METRICS_TOKEN set → a token is required
    [true, false, false],
    [true, true, true],
    [false, false, true],
    [false, true, true],
  ])("loopback %s, METRICS_TOKEN set %s → token required %s", (loopback, metricsTokenSet, required) => {
    expect(metricsNeedsToken({ loopback, metricsTokenSet })).toBe(required);
  });
});
