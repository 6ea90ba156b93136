// next-auth's own endpoints (csrf, callback/credentials, session, signout) called in-process,
// without a built server: next-auth's API-route form of the handler takes a plain request and
// response object (the App Router form reads next/headers, which needs a running Next). The
// options are the app's own, built for the request's headers as the route handler builds them.
import NextAuth, { type NextAuthOptions } from "next-auth";
import { mergeCookies, type SessionJson } from "./auth-client";

export interface AuthAnswer {
  status: number;
  location: string | null;
  body: unknown;
  /** the raw Set-Cookie headers, attributes included */
  setCookies: string[];
}

/** A response object with what next-auth's API handler calls on it. */
class CapturedResponse {
  statusCode = 200;
  readonly headers = new Map<string, string | string[]>();
  body: unknown;
  status(code: number) {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string | string[]) {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name: string) {
    return this.headers.get(name.toLowerCase());
  }
  json(body: unknown) {
    this.body = body;
  }
  send(body: unknown) {
    this.body = body;
  }
  end() {}
}

export class NextAuthDriver {
  /** the Cookie header this client sends */
  cookie = "";

  constructor(
    private readonly optionsFor: (headers: Headers) => NextAuthOptions,
    /** sent with every request (x-forwarded-proto, host…) */
    readonly headers: Record<string, string> = { host: "127.0.0.1:3000" },
  ) {}

  async call(method: "GET" | "POST", action: string[], body?: Record<string, string>): Promise<AuthAnswer> {
    const headers: Record<string, string> = { ...this.headers, ...(this.cookie ? { cookie: this.cookie } : {}) };
    if (body) headers["content-type"] = "application/x-www-form-urlencoded";
    const cookies = Object.fromEntries(
      this.cookie
        .split(/;\s*/)
        .filter((part) => part.includes("="))
        // Next hands the API handler decoded cookie values.
        .map((part) => [part.slice(0, part.indexOf("=")), decodeURIComponent(part.slice(part.indexOf("=") + 1))]),
    );
    const response = new CapturedResponse();
    const request = { method, headers, cookies, body: body ?? {}, query: { nextauth: action } };
    // A copy: next-auth fills in `secret` on the object it is given.
    await NextAuth(request as never, response as never, { ...this.optionsFor(new Headers(this.headers)) });
    const raw = response.getHeader("set-cookie");
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    this.cookie = mergeCookies(
      this.cookie,
      new Response(null, { headers: setCookies.map((c) => ["set-cookie", c] as [string, string]) }),
    );
    const location = response.getHeader("location");
    return {
      status: response.statusCode,
      location: typeof location === "string" ? location : null,
      body: response.body,
      setCookies,
    };
  }

  async csrfToken(): Promise<string> {
    return ((await this.call("GET", ["csrf"])).body as { csrfToken: string }).csrfToken;
  }

  /** The form post of the sign-in page; the error code of a refusal, null when signed in. */
  async signIn(username: string, password: string): Promise<string | null> {
    const csrfToken = await this.csrfToken();
    const answer = await this.call("POST", ["callback", "credentials"], {
      csrfToken,
      username,
      password,
      callbackUrl: "/fleet",
    });
    if (answer.status !== 302 || !answer.location)
      throw new Error(`sign-in answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.location ? new URL(answer.location, "http://127.0.0.1").searchParams.get("error") : null;
  }

  async session(): Promise<{ json: SessionJson; answer: AuthAnswer }> {
    const answer = await this.call("GET", ["session"]);
    return { json: (typeof answer.body === "string" ? JSON.parse(answer.body) : answer.body) as SessionJson, answer };
  }

  /** What the sign-out button posts (next-auth/react signOut). */
  async signOut(): Promise<AuthAnswer> {
    const csrfToken = await this.csrfToken();
    return this.call("POST", ["signout"], { csrfToken, callbackUrl: "/sign-in" });
  }
}
