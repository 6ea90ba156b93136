/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native-ish server packages stay out of the bundle and load from node_modules.
  // otlp-proto-root: its protobufjs finds long.js only when Node loads it (bundled, 64-bit
  // span times would be read as doubles; lib/otlp/proto.ts refuses to run that way).
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@electric-sql/pglite", "@electric-sql/pglite-socket", "otlp-proto-root", "pg-boss"],
  typescript: { tsconfigPath: "tsconfig.json" },
};

export default nextConfig;
