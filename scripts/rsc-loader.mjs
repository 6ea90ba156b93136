// `tsx --conditions=react-server --import ./scripts/rsc-loader.mjs …`: a script (the bench,
// the replica test) imports lib/ as a server component does. `--conditions=react-server` makes `server-only` a no-op and
// gives React's server build; Next's bundler also sends `next/navigation` to its server
// variant there (the client one needs React's createContext, which the server build lacks),
// and this hook does the same for Node.
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(`export async function resolve(specifier, context, next) {
  if (specifier === "next/navigation") return next("next/dist/api/navigation.react-server.js", context);
  return next(specifier, context);
}`),
  import.meta.url,
);
