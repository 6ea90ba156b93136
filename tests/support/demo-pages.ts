// What the browser tests and the README's screenshots look up on the demo fleet's pages: the
// first link of a kind on a page, the first alert the worker opens, and a request waiting
// for one approval.
import { callAction, formOf } from "./server-actions";

/** The first link on `path` whose href matches, as the user of `cookie` sees the page: a real id to visit. */
export async function firstLink(baseUrl: string, cookie: string, path: string, pattern: RegExp): Promise<string> {
  const html = await (await fetch(`${baseUrl}${path}`, { headers: { cookie } })).text();
  const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
  const found = hrefs.find((href) => pattern.test(href));
  if (!found) throw new Error(`no link like ${pattern} on ${path}`);
  return found;
}

/** The first alert's page once the worker has opened one (its first passes do), or "" after a minute. */
export async function firstAlert(baseUrl: string, cookie: string): Promise<string> {
  for (let tries = 0; tries < 60; tries++) {
    const alert = await firstLink(baseUrl, cookie, "/alerts", /^\/alerts\/\d+$/).catch(() => "");
    if (alert) return alert;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return "";
}

export interface PendingRequest {
  baseUrl: string;
  /** the admin's and the operator's session cookies */
  admin: string;
  operator: string;
  /** the service's page (/services/{id}), where its request form's action lives */
  servicePage: string;
  kind: string;
  resource: string;
  toVersion: string;
  reason: string;
}

/**
 * A reload request that waits for one approval: the service's policy set to one approver,
 * then the operator asks. Answers the request's id.
 */
export async function makePendingRequest(r: PendingRequest): Promise<string> {
  const serviceId = Number(r.servicePage.split("/")[2]);
  const policy = await callAction({
    baseUrl: r.baseUrl,
    page: "/admin/policies",
    cookie: r.admin,
    file: "lib/admin/actions/save-approval-policy.ts",
    exportedName: "saveApprovalPolicyForm",
    args: [null, formOf({ serviceId, requiredApprovals: 1, requiredGroup: "" })],
  });
  if (!policy.ok) throw new Error(`the approval policy was refused: ${JSON.stringify(policy)}`);
  const made = await callAction<{ requestId: string }>({
    baseUrl: r.baseUrl,
    page: r.servicePage,
    cookie: r.operator,
    file: "lib/requests/actions/request-reload.ts",
    exportedName: "requestReloadFromForm",
    args: [
      null,
      formOf({ serviceId, kind: r.kind, resource: r.resource, toVersion: r.toVersion, scope: "all", reason: r.reason }),
    ],
  });
  if (!made.ok) throw new Error(`request refused: ${JSON.stringify(made)}`);
  return made.data.requestId;
}
