// A reload request's status (reload_request.status; ADR 0015): waiting for its approvals, on
// its way to the reload target, and then ended as its reload ended, or refused, expired,
// invalidated (its change moved) or cancelled (a newer request replaced it). Pure.
import { TERMINAL_STATUSES } from "./types";

/** Approved and not yet delivered everywhere: its reload may already be on its way, so a second request waits. */
export const IN_FLIGHT_REQUEST_STATUSES = ["approved", "dispatching", "canary"] as const;

/**
 * A request still waiting for a decision or on its way: the one a new request for the same
 * resource meets (it replaces one pending approval; it waits for one in flight).
 */
export const OPEN_REQUEST_STATUSES = ["pending_approval", ...IN_FLIGHT_REQUEST_STATUSES] as const;

/**
 * Every status a request can have (the reload_request_status_check constraint). Delivered
 * everywhere it is `dispatched` until its reload ends; then it takes the reload's terminal
 * status, so the two never disagree.
 */
export const REQUEST_STATUSES = [...OPEN_REQUEST_STATUSES, "dispatched", "invalidated", ...TERMINAL_STATUSES] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
