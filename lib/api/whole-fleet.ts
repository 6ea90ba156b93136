import { ApiError } from "./errors";

// A token restricted to some environments or services reads only those (DESIGN.md "Roles").
// Endpoints whose answer covers the whole fleet (the metrics scrape, the fleet's last change)
// cannot be cut down to a restriction, so such a token is refused there rather than shown all.

/** Throws 403 when `restrictions` limit the token to part of the fleet. */
export function requireWholeFleet(restrictions: readonly string[] | null, endpoint: string): void {
  if (restrictions && restrictions.length > 0) {
    const message = `this token is restricted to ${restrictions.join(", ")}; ${endpoint} answers for the whole fleet`;
    throw new ApiError("forbidden", message);
  }
}
