/** The advisory lock that serialises audit appends ("rsaudit" as a number): held by an appending transaction until it ends. */
export const AUDIT_LOCK_KEY = 0x7273617564697400n;
