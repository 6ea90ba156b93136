// Prisma CLI configuration. The app itself never reads this: at run time the
// client gets its connection from lib/db (PrismaPg adapter, explicit pool size).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" },
});
