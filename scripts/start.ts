// `npm start`: check the environment, build when needed (the Prisma client and the app), then
// serve. The environment is checked first so a bad variable is named in one line each, not
// found by `next build` deep in a stack trace. The server module is imported only after the
// build, because it needs the generated Prisma client.
import { environmentProblems } from "@/lib/env";
import { buildIfNeeded } from "./build-if-needed";
import { startSecretProblems } from "./start-secrets";

const problems = [...environmentProblems(process.env), ...startSecretProblems(process.env)];
if (problems.length > 0) {
  console.error("[reloadscope] cannot start: fix these environment variables:");
  for (const line of problems) console.error(`  ${line}`);
  process.exit(2);
}

try {
  buildIfNeeded();
  const { serve } = await import("./serve");
  await serve();
} catch (error) {
  console.error("[reloadscope] could not start:", error instanceof Error ? error.message : error);
  process.exit(1);
}
