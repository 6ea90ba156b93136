// What the sign-in page says for each `?error=` next-auth (or our signIn callback) sends it
// back with. Plain data: the page, the options and the tests share it.

export const SIGN_IN_ERRORS = {
  CredentialsSignin: "Wrong username or password.",
  AccountDisabled: "This account is disabled. Ask an admin to enable it.",
  TooManyAttempts: "Too many sign-in attempts. Try again later.",
  InvalidUsername:
    "That is not a username: use the name you were given, without control characters, at most 200 characters.",
  LastAdmin:
    "Your identity provider no longer gives you the admin role, but you are the last enabled admin here. Ask for your admin group back, or have an admin make someone else an admin first.",
  NoRole: "Your account is in no group that has a role in Reloadscope. Ask an admin to map one of your groups.",
  OAuthSignin:
    "Could not start signing in with the identity provider. Try again, or ask an admin to check the OIDC settings.",
  OAuthCallback: "The identity provider's answer could not be verified. Try again.",
  OAuthAccountNotLinked: "This account cannot sign in here.",
  Callback: "Signing in did not complete. Try again.",
  AccessDenied: "Access denied.",
  SessionRequired: "Sign in to see this page.",
  Configuration: "Sign-in is not configured correctly on the server (see its log).",
  Default: "Signing in did not work. Try again.",
} as const;

export type SignInError = keyof typeof SIGN_IN_ERRORS;

export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  // "TooManyAttempts:<seconds>" (tooManyAttemptsCode): the wait is the only part read from the URL, and only as digits.
  const wait = /^TooManyAttempts:(\d{1,6})$/.exec(code);
  if (wait) return `Too many sign-in attempts. Try again in ${Number(wait[1])} s.`;
  return code in SIGN_IN_ERRORS ? SIGN_IN_ERRORS[code as SignInError] : SIGN_IN_ERRORS.Default;
}
