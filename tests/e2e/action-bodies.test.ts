// Server actions' bodies against the built app: what Next answered with HTTP 500 (a 3 MiB reason, a
// 1 MiB comment, a 20 MiB body, a multipart of 20,000 fields, a body that is not React's encoding)
// is a 4xx from the proxy (lib/auth/action-body.ts) or a field error from the action; NUL in a
// field is a field error, not "Something went wrong".
import { beforeAll, describe, expect, inject, test } from "vitest";
import { signInWithPassword } from "../support/auth-client";
import { actionId, callAction, formOf } from "../support/server-actions";

const baseUrl = inject("baseUrl");
let operator = "";
let approver = "";

beforeAll(async () => {
  operator = await signInWithPassword(baseUrl, "operator", inject("demoPassword"));
  approver = await signInWithPassword(baseUrl, "approver", inject("demoPassword"));
});

const REQUEST_RELOAD = { file: "lib/requests/actions/request-reload.ts", exportedName: "requestReloadFromForm" };
const APPROVE = { file: "lib/approvals/actions/approve-request.ts", exportedName: "approveRequest" };

/** A POST to a page as a browser's action call makes it, with any body. */
async function postAction(
  cookie: string,
  action: { file: string; exportedName: string },
  body: BodyInit,
  contentType?: string,
) {
  const response = await fetch(new URL("/approvals", baseUrl), {
    method: "POST",
    headers: {
      accept: "text/x-component",
      "next-action": actionId(action.file, action.exportedName),
      origin: new URL(baseUrl).origin,
      cookie,
      ...(contentType ? { "content-type": contentType } : {}),
    },
    body,
    redirect: "manual",
  });
  return { status: response.status, text: await response.text() };
}

/** The reload request form with every field valid, `fields` replacing some. */
const reloadForm = (fields: Record<string, string>) =>
  formOf({
    serviceId: "1",
    kind: "config",
    resource: "routes.yaml",
    toVersion: "v2",
    scope: "all",
    reason: "r",
    ...fields,
  });

describe("bodies Next would answer with 500 are refused with a 4xx", () => {
  test("a 3 MiB reason: 413", async () => {
    const body = reloadForm({ reason: "x".repeat(3 * 1024 * 1024) });
    const answer = await postAction(operator, REQUEST_RELOAD, body);
    expect(answer.status).toBe(413);
    expect(answer.text).toMatch(/at most 1048576 are accepted/);
  });

  test("a 1 MiB comment: 413", async () => {
    const answer = await postAction(
      approver,
      APPROVE,
      JSON.stringify([{ requestId: "1", comment: "c".repeat(1024 * 1024) }]),
      "text/plain;charset=UTF-8",
    );
    expect(answer.status).toBe(413);
  });

  test("a 20 MiB body: 413", async () => {
    const answer = await postAction(
      operator,
      APPROVE,
      new Uint8Array(20 * 1024 * 1024).fill(0x61),
      "text/plain;charset=UTF-8",
    );
    expect(answer.status).toBe(413);
  });

  test("a multipart body of 20,000 fields: 413", async () => {
    const fields = Array.from(
      { length: 20_000 },
      (_, i) => `--x\r\ncontent-disposition:form-data;name="${i % 10}"\r\n\r\n\r\n`,
    ).join("");
    const answer = await postAction(operator, REQUEST_RELOAD, `${fields}--x--\r\n`, "multipart/form-data; boundary=x");
    expect(answer.status).toBe(413);
    expect(answer.text).toMatch(/20000 fields/);
  });

  test("a body that is not React's encoding: 400", async () => {
    const answer = await postAction(operator, APPROVE, "hello, action", "text/plain;charset=UTF-8");
    expect(answer.status).toBe(400);
  });
});

describe("what Postgres would refuse is a field error over HTTP too", () => {
  test("NUL in toVersion, a serviceId of 2^31, a 100 KB reason", async () => {
    const call = (fields: Record<string, string>) =>
      callAction({
        baseUrl,
        page: "/services/1",
        cookie: operator,
        ...REQUEST_RELOAD,
        args: [null, reloadForm(fields)],
      });
    expect(await call({ toVersion: "v2\u0000" })).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { toVersion: ["must not contain NUL characters (\\u0000)"] },
    });
    expect(await call({ serviceId: String(2 ** 31) })).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { serviceId: ["pick a service"] },
    });
    expect(await call({ reason: "x".repeat(100_000) })).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { reason: ["must be at most 2000 characters"] },
    });
  });
});
