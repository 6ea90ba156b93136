// Where to go after signing in: only a path of this app. Anything else (another origin,
// "//evil.example" which browsers read as one, "/\evil.example", control characters, or a
// trip back to the sign-in page) becomes the fleet page, so the sign-in page cannot be
// used to send people elsewhere. Pure: the proxy, the layout and the page share it.

export const AFTER_SIGN_IN = "/fleet";

export function safeCallbackPath(raw: string | null | undefined, origin?: string): string {
  if (!raw) return AFTER_SIGN_IN;
  let candidate = raw.trim();
  // An absolute URL of this very origin (next-auth sends those) is fine as its path.
  if (origin && candidate.startsWith(`${origin}/`)) candidate = candidate.slice(origin.length);
  if (!candidate.startsWith("/") || candidate.startsWith("//") || candidate.includes("\\")) return AFTER_SIGN_IN;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(candidate)) return AFTER_SIGN_IN;
  let url: URL;
  try {
    url = new URL(candidate, "http://reloadscope.invalid");
  } catch {
    return AFTER_SIGN_IN;
  }
  if (url.origin !== "http://reloadscope.invalid") return AFTER_SIGN_IN;
  if (url.pathname === "/sign-in" || url.pathname.startsWith("/api/auth")) return AFTER_SIGN_IN;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page's address that comes back to `path` afterwards. */
export function signInPath(path: string): string {
  return `/sign-in?callbackUrl=${encodeURIComponent(safeCallbackPath(path))}`;
}
