// Whether the server can be reached only from this machine (DESIGN.md "Roles"): machine
// endpoints answer without a token only then. Decided from HOST, the address `npm start`
// passes to `next start -H` (scripts/serve.ts), whose default is 127.0.0.1 for the embedded
// demo and 0.0.0.0 with DATABASE_URL. Anything not plainly loopback counts as reachable from
// elsewhere: a hostname may resolve to any interface, and guessing wrong must cost a token,
// never open data.

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function loopbackIpv4(text: string): boolean {
  const octets = IPV4.exec(text)?.slice(1).map(Number);
  return octets !== undefined && octets.every((o) => o <= 255) && octets[0] === 127;
}

/** True when `host` (HOST; undefined = its default) keeps the server to loopback: 127.0.0.0/8, ::1, localhost. */
export function listensOnLoopbackOnly(host: string | undefined, embedded: boolean): boolean {
  if (host === undefined) return embedded;
  let text = host.trim().toLowerCase();
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (text === "localhost") return true;
  if (text === "::1" || text === "0:0:0:0:0:0:0:1") return true;
  if (text.startsWith("::ffff:")) return loopbackIpv4(text.slice("::ffff:".length));
  return loopbackIpv4(text);
}

/**
 * Whether GET /api/metrics needs a token: always beyond loopback (every service, instance and
 * version is in the scrape), and on loopback once METRICS_TOKEN is set; open only for the
 * demo on loopback without one.
 */
export function metricsNeedsToken({
  loopback,
  metricsTokenSet,
}: {
  loopback: boolean;
  metricsTokenSet: boolean;
}): boolean {
  return !loopback || metricsTokenSet;
}
