// Signing in over HTTP exactly as a browser's form does, with fetch and no browser:
// GET /api/auth/csrf (a token and its cookie) → POST /api/auth/callback/credentials (the
// form, with that cookie) → the session cookie → GET /api/auth/session to check it.

export interface SessionJson {
  user?: { id: number; username: string; name?: string | null; email?: string | null; role: string };
  expires?: string;
}

/** A Cookie header value from a response's Set-Cookie headers (names and values only), merged over `jar`. */
export function mergeCookies(jar: string, response: Response): string {
  const cookies = new Map<string, string>();
  for (const part of jar.split(/;\s*/)) {
    const at = part.indexOf("=");
    if (at > 0) cookies.set(part.slice(0, at), part.slice(at + 1));
  }
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const at = pair!.indexOf("=");
    if (at <= 0) continue;
    const name = pair!.slice(0, at).trim();
    const value = pair!.slice(at + 1).trim();
    // An expired or emptied cookie is a deletion.
    if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(header)) cookies.delete(name);
    else cookies.set(name, value);
  }
  return [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
}

export class SignInError extends Error {
  constructor(
    message: string,
    /** next-auth's error code from the redirect (CredentialsSignin, AccountDisabled…), when it gave one */
    readonly code: string | null,
  ) {
    super(message);
    this.name = "SignInError";
  }
}

/** The error code a refused sign-in redirects with, or null for a successful one. */
export async function postCredentials(
  baseUrl: string,
  username: string,
  password: string,
): Promise<{ cookie: string; error: string | null; status: number }> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  if (!csrf.ok) throw new Error(`GET /api/auth/csrf answered ${csrf.status}`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  let cookie = mergeCookies("", csrf);
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ csrfToken, username, password, callbackUrl: `${baseUrl}/fleet` }),
    redirect: "manual",
  });
  await response.arrayBuffer();
  cookie = mergeCookies(cookie, response);
  const location = response.headers.get("location") ?? "";
  const error = location ? new URL(location, baseUrl).searchParams.get("error") : null;
  return { cookie, error, status: response.status };
}

/** Signs in with a username and password; resolves to the Cookie header of the session. Throws SignInError when refused. */
export async function signInWithPassword(baseUrl: string, username: string, password: string): Promise<string> {
  const { cookie, error, status } = await postCredentials(baseUrl, username, password);
  if (error) throw new SignInError(`signing in as ${username} was refused: ${error} (HTTP ${status})`, error);
  const session = await sessionOf(baseUrl, cookie);
  if (!session.user) throw new SignInError(`signing in as ${username} set no session (HTTP ${status})`, null);
  return cookie;
}

/** GET /api/auth/session with this cookie: `{}` when signed out. */
export async function sessionOf(baseUrl: string, cookie: string): Promise<SessionJson> {
  const response = await fetch(`${baseUrl}/api/auth/session`, { headers: { cookie } });
  if (!response.ok) throw new Error(`GET /api/auth/session answered ${response.status}`);
  return (await response.json()) as SessionJson;
}
