/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native-ish server packages stay out of the bundle and load from node_modules.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@electric-sql/pglite", "@electric-sql/pglite-socket"],
  typescript: { tsconfigPath: "tsconfig.json" },
};

export default nextConfig;
