import { describe, expect, test } from "vitest";
import { ACTION_BODY_LIMIT_BYTES, actionBodyProblem } from "@/lib/auth/action-body";

const post = (body: BodyInit, headers: Record<string, string> = {}) => {
  const request = new Request("http://127.0.0.1/approvals", { method: "POST", body, headers });
  return request;
};

/** Content-Length as a browser would send it (a Request built here has none). */
async function withLength(request: Request): Promise<Request> {
  const bytes = new Uint8Array(await request.clone().arrayBuffer());
  const headers = new Headers(request.headers);
  headers.set("content-length", String(bytes.byteLength));
  return new Request(request.url, { method: request.method, headers, body: bytes });
}

describe("actionBodyProblem", () => {
  test("an action's call, as React encodes it, passes", async () => {
    expect(
      await actionBodyProblem(
        await withLength(
          post('[{"requestId":"12","comment":""}]', {
            "next-action": "abc",
            "content-type": "text/plain;charset=UTF-8",
          }),
        ),
      ),
    ).toBeNull();
    const form = new FormData();
    form.append("1_reason", "new routes");
    form.append("0", '["$K1"]');
    expect(await actionBodyProblem(await withLength(post(form, { "next-action": "abc" })))).toBeNull();
  });

  test("a length over the limit is 413 before any byte is read", async () => {
    const request = new Request("http://127.0.0.1/approvals", {
      method: "POST",
      headers: { "content-length": String(20 * 1024 * 1024), "next-action": "abc" },
    });
    expect(await actionBodyProblem(request)).toEqual({
      status: 413,
      message: `The body is 20971520 bytes; at most ${ACTION_BODY_LIMIT_BYTES} are accepted.`,
    });
  });

  test("a stream without a length is 411; a length that is not a number is 400", async () => {
    expect(
      (
        await actionBodyProblem(
          new Request("http://127.0.0.1/x", { method: "POST", headers: { "transfer-encoding": "chunked" } }),
        )
      )?.status,
    ).toBe(411);
    expect(
      (
        await actionBodyProblem(
          new Request("http://127.0.0.1/x", { method: "POST", headers: { "content-length": "1e3" } }),
        )
      )?.status,
    ).toBe(400);
  });

  test("a multipart body of 20,000 fields within the byte limit is 413", async () => {
    const fields = Array.from(
      { length: 20_000 },
      (_, i) => `--x\r\ncontent-disposition:form-data;name="${i % 10}"\r\n\r\n\r\n`,
    ).join("");
    const request = await withLength(
      post(`${fields}--x--\r\n`, { "next-action": "abc", "content-type": "multipart/form-data; boundary=x" }),
    );
    expect(Number(request.headers.get("content-length"))).toBeLessThan(ACTION_BODY_LIMIT_BYTES);
    expect(await actionBodyProblem(request)).toEqual({
      status: 413,
      message: "The form has 20000 fields; at most 1000 are accepted.",
    });
  });

  test.each([["hello"], ['{"not":"a list"}'], ["[1,"]])("a fetch action's body %j is not a call: 400", async (body) => {
    expect((await actionBodyProblem(await withLength(post(body, { "next-action": "abc" }))))?.status).toBe(400);
  });

  test("GET and an empty POST pass", async () => {
    expect(await actionBodyProblem(new Request("http://127.0.0.1/x"))).toBeNull();
    expect(
      await actionBodyProblem(
        new Request("http://127.0.0.1/x", { method: "POST", headers: { "content-length": "0" } }),
      ),
    ).toBeNull();
  });
});
