/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native-ish server packages stay out of the bundle and load from node_modules.
  // otlp-proto-root: its protobufjs finds long.js only when Node loads it (bundled, 64-bit
  // span times would be read as doubles; lib/otlp/proto.ts refuses to run that way).
  // protobufjs itself for the same reason: lib/otlp/logs-proto.ts builds the logs messages with it.
  serverExternalPackages: [
    "pg",
    "@prisma/adapter-pg",
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
    "otlp-proto-root",
    "protobufjs",
    "pg-boss",
  ],
  typescript: { tsconfigPath: "tsconfig.json" },
  // The proxy refuses a larger body with 413 first (lib/auth/action-body.ts, which keeps the
  // same number): past this limit Next itself answers a fetch action with a 500.
  experimental: { serverActions: { bodySizeLimit: "1mb" } },
  // On every page and route, API included (issue 12 §10). The policy forbids framing
  // (clickjacking the approve button), <base> and plugins; it restricts no scripts, styles or
  // form targets: Next's pages run inline scripts, and the OIDC sign-in posts to the issuer.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'self'; object-src 'none'" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
