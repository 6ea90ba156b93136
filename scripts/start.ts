// `npm start`: build when needed (the Prisma client and the app), then serve. The server
// module is imported only after the build, because it needs the generated Prisma client.
import { buildIfNeeded } from "./build-if-needed";

try {
  buildIfNeeded();
  const { serve } = await import("./serve");
  await serve();
} catch (error) {
  console.error("[reloadscope] could not start:", error instanceof Error ? error.message : error);
  process.exit(1);
}
