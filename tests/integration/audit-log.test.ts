// The audit log against a real database: appends chain, the database refuses UPDATE, DELETE
// and TRUNCATE, verify names the first broken link after a tampered or removed row, id gaps
// are not tampering, concurrent appends form one chain, and the reads behind /audit, the CSV
// export and the evidence bundle return what the log holds.
import { describe, expect, test } from "vitest";
import {
  AUDIT_GENESIS,
  appendAudit,
  auditHash,
  verifyAuditChain,
  type AuditEntryInput,
} from "@/lib/audit-chain/audit-log";
import { getEvidenceBundle } from "@/lib/audit/evidence";
import { auditCsvStream, AUDIT_CSV_HEADER } from "@/lib/audit/export";
import { parseAuditFilters, type AuditFilters } from "@/lib/audit/filters";
import { auditFilterOptions, listAuditEntries } from "@/lib/audit/queries";
import { sql, transaction } from "@/lib/db/client";
import { auditEntry } from "../support/audit-entries";
import { acceptEvents, event, minutesAgo } from "../support/ingest-client";
import { concurrencyTest, useTestDatabase } from "../support/use-database";
import { asViewer, testActor } from "../support/readers";

useTestDatabase();

const append = (input: AuditEntryInput = auditEntry()) => transaction((tx) => appendAudit(tx, input));

/** Runs `statement` with the triggers off, as a superuser could: the tampering verify must catch. */
async function tamper(statement: string, ...params: unknown[]): Promise<void> {
  await transaction(async (tx) => {
    await tx.execute(`SET LOCAL session_replication_role = replica`);
    await tx.execute(statement, ...params);
  });
}

function filters(params: Record<string, string> = {}): AuditFilters {
  const parsed = parseAuditFilters(params);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.filters;
}

describe("appending", () => {
  test("each entry chains onto the one before, from the genesis hash", async () => {
    const a = await append(auditEntry({ action: "reload.request" }));
    const b = await append(auditEntry({ action: "request.approve", actor: "bob", actorRole: "approver" }));
    const c = await append(
      auditEntry({
        action: "request.reject",
        outcome: "denied",
        details: { reason: "role viewer may not reject a request" },
      }),
    );
    expect(a.prevHash).toBe(AUDIT_GENESIS);
    expect(b.prevHash).toBe(a.hash);
    expect(c.prevHash).toBe(b.hash);
    expect(BigInt(a.id) < BigInt(b.id) && BigInt(b.id) < BigInt(c.id)).toBe(true);
    expect(await verifyAuditChain(sql())).toEqual({
      intact: true,
      entries: 3,
      firstId: a.id,
      lastId: c.id,
      lastHash: c.hash,
    });
    // The stored row hashes to what the append returned (the verifier recomputes it from the row).
    const [stored] = await sql().query<{ hash: string }[]>(`SELECT hash FROM audit_log WHERE id = $1::bigint`, b.id);
    expect(stored!.hash).toBe(auditHash(a.hash, b));
  });

  test("details people typed survive storage byte for byte in the hash: NUL, lone surrogates, __proto__, non-finite numbers", async () => {
    const tricky = JSON.parse('{"__proto__": {"x": 1}, "constructor": "c"}') as Record<string, unknown>;
    await append(
      auditEntry({
        details: {
          reason: "a\u0000b \ud800 end",
          nested: [1.5, -0, Number.NaN, { z: 1, a: 2 }],
          big: 10n as unknown as number,
          ...tricky,
        },
      }),
    );
    await append();
    expect((await verifyAuditChain(sql())).intact).toBe(true);
    const [row] = await sql().query<{ details: Record<string, unknown> }[]>(
      `SELECT details FROM audit_log ORDER BY id LIMIT 1`,
    );
    expect(Object.keys(row!.details)).toContain("__proto__");
    expect(row!.details.reason).toBe("a\uFFFDb \uFFFD end");
    expect(row!.details.nested).toEqual([1.5, 0, null, { a: 2, z: 1 }]);
    expect(row!.details.big).toBe("10");
  });

  test("a gap in ids (an append rolled back) is not a broken link", async () => {
    const first = await append();
    await expect(
      transaction(async (tx) => {
        await appendAudit(tx, auditEntry({ action: "request.approve" }));
        throw new Error("the action failed after appending");
      }),
    ).rejects.toThrow("the action failed");
    const third = await append();
    expect(BigInt(third.id) - BigInt(first.id)).toBe(2n);
    expect(third.prevHash).toBe(first.hash);
    expect(await verifyAuditChain(sql())).toMatchObject({ intact: true, entries: 2 });
  });

  test("verify bounded by upToId covers the entries up to it and no more", async () => {
    const a = await append();
    const b = await append();
    await append();
    expect(await verifyAuditChain(sql(), { upToId: b.id })).toEqual({
      intact: true,
      entries: 2,
      firstId: a.id,
      lastId: b.id,
      lastHash: b.hash,
    });
    // Pages smaller than the log walk the same chain.
    expect(await verifyAuditChain(sql(), { pageSize: 2 })).toMatchObject({ intact: true, entries: 3 });
  });

  test("verify walks ids in number order across pages (10 after 9, not after 1)", async () => {
    const made = [];
    for (let i = 0; i < 23; i++) made.push(await append(auditEntry({ details: { i } })));
    expect(await verifyAuditChain(sql(), { pageSize: 4 })).toEqual({
      intact: true,
      entries: 23,
      firstId: "1",
      lastId: "23",
      lastHash: made[22]!.hash,
    });
    await tamper(`UPDATE audit_log SET actor = 'mallory' WHERE id = 12`);
    expect(await verifyAuditChain(sql(), { pageSize: 5 })).toMatchObject({
      intact: false,
      entries: 11,
      brokenAt: "12",
      previousId: "11",
    });
  });

  test("an empty log is intact with no entries", async () => {
    expect(await verifyAuditChain(sql())).toEqual({
      intact: true,
      entries: 0,
      firstId: null,
      lastId: null,
      lastHash: AUDIT_GENESIS,
    });
  });
});

describe("the database keeps the log append-only", () => {
  test.each([
    ["UPDATE", `UPDATE audit_log SET details = '{"reason":"nothing to see"}'`],
    ["DELETE", `DELETE FROM audit_log`],
    ["TRUNCATE", `TRUNCATE audit_log`],
  ])("%s is refused", async (operation, statement) => {
    await append();
    const error = await sql()
      .execute(statement)
      .then(
        () => null,
        (e: { code?: string; message?: string }) => e,
      );
    expect(error?.code).toBe("42501");
    expect(error?.message).toContain(`audit_log is append-only: ${operation} refused`);
    expect(await sql().query(`SELECT id FROM audit_log`)).toHaveLength(1);
  });

  test("a second entry chaining onto the same previous one (a fork) is refused by the unique prev_hash", async () => {
    const a = await append();
    const error = await sql()
      .execute(
        `INSERT INTO audit_log (at, actor, action, outcome, prev_hash, hash) VALUES (now(), 'mallory', 'user.manage', 'allowed', $1, $2)`,
        a.prevHash,
        "f".repeat(64),
      )
      .then(
        () => null,
        (e: { code?: string }) => e,
      );
    expect(error?.code).toBe("23505");
  });
});

describe("verify finds tampering", () => {
  test("an entry whose details were changed with the triggers off is named, with the entry before it", async () => {
    const a = await append();
    const b = await append(auditEntry({ details: { input: { reason: "approved after review" } } }));
    await append();
    await tamper(
      `UPDATE audit_log SET details = '{"input":{"reason":"approved without review"}}' WHERE id = $1::bigint`,
      b.id,
    );
    expect(await verifyAuditChain(sql())).toMatchObject({
      intact: false,
      entries: 1,
      brokenAt: b.id,
      previousId: a.id,
      problem: "hash does not match the entry",
      found: b.hash,
    });
  });

  test("an entry rewritten with a recomputed hash breaks the link of the entry after it", async () => {
    const a = await append();
    const b = await append(auditEntry({ outcome: "denied" }));
    const c = await append();
    const forged = auditHash(a.hash, { ...b, outcome: "allowed" });
    await tamper(`UPDATE audit_log SET outcome = 'allowed', hash = $2 WHERE id = $1::bigint`, b.id, forged);
    expect(await verifyAuditChain(sql())).toMatchObject({
      intact: false,
      brokenAt: c.id,
      previousId: b.id,
      problem: "previous hash does not match the entry before",
      expected: forged,
      found: b.hash,
    });
  });

  test("a deleted middle entry is found at the entry after it", async () => {
    const a = await append();
    const b = await append();
    const c = await append();
    await append();
    await tamper(`DELETE FROM audit_log WHERE id = $1::bigint`, b.id);
    expect(await verifyAuditChain(sql())).toMatchObject({
      intact: false,
      entries: 1,
      brokenAt: c.id,
      previousId: a.id,
      problem: "previous hash does not match the entry before",
      expected: a.hash,
      found: b.hash,
    });
  });

  test("a deleted first entry is found at the new first entry", async () => {
    const a = await append();
    const b = await append();
    await tamper(`DELETE FROM audit_log WHERE id = $1::bigint`, a.id);
    expect(await verifyAuditChain(sql())).toMatchObject({
      intact: false,
      entries: 0,
      brokenAt: b.id,
      previousId: null,
      expected: AUDIT_GENESIS,
    });
  });
});

concurrencyTest("appends from 8 connections at once form one chain without forks", async () => {
  const writers = 8;
  const perWriter = 6;
  await Promise.all(
    Array.from({ length: writers }, (_, w) =>
      (async () => {
        for (let i = 0; i < perWriter; i++) {
          // Work before the append inside the same transaction, as an action does.
          await transaction(async (tx) => {
            await tx.query(`SELECT count(*) FROM audit_log`);
            await appendAudit(tx, auditEntry({ actor: `writer-${w}`, details: { i } }));
          });
        }
      })(),
    ),
  );
  const rows = await sql().query<{ id: string; prev_hash: string; hash: string }[]>(
    `SELECT id::text AS id, prev_hash, hash FROM audit_log ORDER BY audit_log.id`,
  );
  expect(rows).toHaveLength(writers * perWriter);
  expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(rows.length);
  rows.forEach((row, i) => expect(row.prev_hash).toBe(i === 0 ? AUDIT_GENESIS : rows[i - 1]!.hash));
  expect(await verifyAuditChain(sql())).toMatchObject({ intact: true, entries: writers * perWriter });
});

describe("reading the log", () => {
  async function seedServiceAndRequest() {
    await acceptEvents([
      event({
        id: "ev-req",
        reloadId: "rl-audit",
        instance: null,
        phase: "requested",
        toVersion: "v2",
        fromVersion: "v1",
        occurredAt: minutesAgo(10),
      }),
      event({
        id: "ev-disp",
        reloadId: "rl-audit",
        instance: null,
        phase: "dispatched",
        toVersion: "v2",
        fromVersion: "v1",
        targets: ["pod-a", "pod-b"],
        occurredAt: minutesAgo(9),
      }),
      event({
        id: "ev-a-recv",
        reloadId: "rl-audit",
        instance: "pod-a",
        phase: "received",
        toVersion: "v2",
        fromVersion: "v1",
        occurredAt: minutesAgo(8),
      }),
      event({
        id: "ev-a-ack",
        reloadId: "rl-audit",
        instance: "pod-a",
        phase: "acked",
        toVersion: "v2",
        fromVersion: "v1",
        occurredAt: minutesAgo(7),
      }),
      event({
        id: "ev-b-nack",
        reloadId: "rl-audit",
        instance: "pod-b",
        phase: "nacked",
        toVersion: "v2",
        fromVersion: "v1",
        error: "parse error at line 3",
        occurredAt: minutesAgo(7),
      }),
    ]);
    const [reload] = await sql().query<{ key: string; service_id: number }[]>(
      `SELECT id::text AS key, service_id FROM reload WHERE reload_id = 'rl-audit'`,
    );
    const [op] = await sql().query<{ id: number }[]>(
      `INSERT INTO app_user (username, role) VALUES ('olga', 'operator') RETURNING id`,
    );
    const [ap] = await sql().query<{ id: number }[]>(
      `INSERT INTO app_user (username, role) VALUES ('arne', 'approver') RETURNING id`,
    );
    const [request] = await sql().query<{ id: string }[]>(
      `INSERT INTO reload_request (reload_id, service_id, action, kind, resource, from_version, to_version, scope, targets, reason,
                                   requested_by, expires_at, change_hash, required_approvals, status)
       VALUES ('rl-audit', $1, 'reload', 'config', 'routes.yaml', 'v1', 'v2', '{"mode":"all"}', '{pod-a,pod-b}', 'new routes',
               $2, now() + interval '1 hour', 'h1', 1, 'dispatched')
       RETURNING id::text AS id`,
      reload!.service_id,
      op!.id,
    );
    await sql().execute(
      `INSERT INTO approval (request_id, approver_id, decision, comment, change_hash) VALUES ($1::bigint, $2, 'approved', 'looks right', 'h1')`,
      request!.id,
      ap!.id,
    );
    await sql().execute(
      `INSERT INTO dispatch_attempt (request_id, stage, attempt, url, traceparent, started_at, finished_at, http_status, outcome)
       VALUES ($1::bigint, 'all', 1, 'https://checkout.example/reload?token=s3cr3t', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', now(), now(), 202, 'delivered')`,
      request!.id,
    );
    return {
      reloadKey: reload!.key,
      serviceId: reload!.service_id,
      requestId: request!.id,
      operatorId: op!.id,
      approverId: ap!.id,
    };
  }

  test("filters by actor, action, outcome, service, subject and time; newest first; subjects lead to their reload", async () => {
    const seeded = await seedServiceAndRequest();
    const subject = `reload_request:${seeded.requestId}`;
    const requested = await append(
      auditEntry({ actor: "olga", actorId: seeded.operatorId, serviceId: seeded.serviceId, subject }),
    );
    const approved = await append(
      auditEntry({
        actor: "arne",
        actorRole: "approver",
        actorId: seeded.approverId,
        action: "request.approve",
        serviceId: seeded.serviceId,
        subject,
      }),
    );
    const denied = await append(
      auditEntry({
        actor: "vera",
        actorRole: "viewer",
        action: "request.approve",
        outcome: "denied",
        serviceId: seeded.serviceId,
        subject,
      }),
    );
    const other = await append(
      auditEntry({ actor: "adam", actorRole: "admin", action: "user.manage", subject: "user:9" }),
    );

    const all = await asViewer(() => listAuditEntries(filters()));
    expect(all.items.map((e) => e.id)).toEqual([other.id, denied.id, approved.id, requested.id]);
    expect(all.nextCursor).toBeNull();
    expect(all.items[1]!.service).toEqual({ environment: "prod", namespace: "payments", name: "checkout-api" });
    expect(all.items[1]!.reloadKey).toBe(seeded.reloadKey);
    expect(all.items[0]!.service).toBeNull();
    expect(all.items[0]!.reloadKey).toBeNull();

    const ids = async (params: Record<string, string>) =>
      (await asViewer(() => listAuditEntries(filters(params)))).items.map((e) => e.id);
    expect(await ids({ actor: "arne" })).toEqual([approved.id]);
    expect(await ids({ action: "request.approve" })).toEqual([denied.id, approved.id]);
    expect(await ids({ outcome: "denied" })).toEqual([denied.id]);
    expect(await ids({ outcome: "denied,allowed", action: "user.manage" })).toEqual([other.id]);
    expect(await ids({ service: "checkout-api" })).toEqual([denied.id, approved.id, requested.id]);
    expect(await ids({ service: "no-such-service" })).toEqual([]);
    expect(await ids({ subject })).toEqual([denied.id, approved.id, requested.id]);
    expect(await ids({ from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await ids({ to: new Date(Date.now() + 60_000).toISOString(), from: "2020-01-01" })).toHaveLength(4);
  });

  test("sign-ins are left out unless asked for, in the list and the export; the action list offers what the log holds", async () => {
    const signedIn = await append(
      auditEntry({ actor: "olga", action: "session.sign_in", subject: "user:3", details: { method: "password" } }),
    );
    const refused = await append(
      auditEntry({
        actor: "unknown user",
        action: "session.sign_in",
        outcome: "denied",
        details: { reason: "unknown_user" },
      }),
    );
    const approved = await append(
      auditEntry({ actor: "arne", action: "request.approve", details: { input: { requestId: 1, comment: "fine" } } }),
    );
    const custom = await append(auditEntry({ actor: "system", action: "request.expire" }));
    const ids = async (params: Record<string, string>) =>
      (await asViewer(() => listAuditEntries(filters(params)))).items.map((e) => e.id);
    expect(await ids({})).toEqual([custom.id, approved.id]);
    expect(await ids({ outcome: "denied" })).toEqual([]);
    expect(await ids({ signins: "include" })).toEqual([custom.id, approved.id, refused.id, signedIn.id]);
    expect(await ids({ signins: "include", outcome: "denied" })).toEqual([refused.id]);
    expect(await ids({ action: "session.sign_in" })).toEqual([refused.id, signedIn.id]);
    expect(await ids({ subject: "user:3" })).toEqual([signedIn.id]);
    const exported = async (params: Record<string, string>) =>
      parseCsv(
        new TextDecoder().decode(
          new Uint8Array(
            await new Response(
              auditCsvStream(filters(params), { kind: "user", actor: testActor("viewer") }, 2),
            ).arrayBuffer(),
          ),
        ),
      )
        .slice(1)
        .map((r) => r[0]);
    expect(await exported({})).toEqual([custom.id, approved.id]);
    expect(await exported({ signins: "include" })).toEqual([custom.id, approved.id, refused.id, signedIn.id]);
    const options = await asViewer(() => auditFilterOptions());
    expect(options.actions).toEqual(
      expect.arrayContaining(["request.approve", "request.expire", "session.sign_in", "reload.request"]),
    );
    expect(options.actions).toEqual([...options.actions].sort());
  });

  test("pages go down by id without overlap or gaps", async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await append(auditEntry({ details: { i } }))).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: Awaited<ReturnType<typeof listAuditEntries>> = await asViewer(() =>
        listAuditEntries(filters({ limit: "3", ...(cursor ? { cursor } : {}) })),
      );
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...made].reverse());
  });

  test("the CSV export streams every matching entry in pages, quoted and defused", async () => {
    await append(auditEntry({ actor: '=HYPERLINK("http://evil")', details: { reason: 'said "yes", then\nleft' } }));
    for (let i = 0; i < 6; i++) await append(auditEntry({ details: { i } }));
    await append(auditEntry({ outcome: "denied" }));
    const bytes = new Uint8Array(
      await new Response(
        auditCsvStream(
          filters({ outcome: "allowed", cursor: "999999" }),
          { kind: "user", actor: testActor("viewer") },
          3,
        ),
      ).arrayBuffer(),
    );
    // A UTF-8 byte-order mark first, which the decoder below drops.
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records = parseCsv(new TextDecoder().decode(bytes));
    expect(records[0]).toEqual([...AUDIT_CSV_HEADER]);
    // The cursor is ignored (paging is not a filter) and the denied entry is filtered out.
    expect(records.slice(1).map((r) => r[0])).toEqual(["7", "6", "5", "4", "3", "2", "1"]);
    const first = records[records.length - 1]!;
    expect(first[2]).toBe('\'=HYPERLINK("http://evil")');
    expect(JSON.parse(first[8]!)).toEqual({ reason: 'said "yes", then\nleft' });
    expect(first[5]).toBe("allowed");
  });

  test("the evidence bundle holds request, approvals, attempts, per-instance answers, outcome and the audit entries that prove them", async () => {
    const seeded = await seedServiceAndRequest();
    const subject = `reload_request:${seeded.requestId}`;
    await append(auditEntry({ actor: "olga", serviceId: seeded.serviceId, subject }));
    await append(auditEntry({ actor: "someone", subject: "user:1" }));
    const approved = await append(
      auditEntry({ actor: "arne", action: "request.approve", serviceId: seeded.serviceId, subject }),
    );

    const bundle = await asViewer(() => getEvidenceBundle(seeded.reloadKey, { username: "vera", role: "viewer" }));
    expect(bundle).not.toBeNull();
    expect(bundle!.reload).toMatchObject({ key: seeded.reloadKey, reloadId: "rl-audit", status: "partially_failed" });
    expect(bundle!.request).toMatchObject({
      id: seeded.requestId,
      requestedBy: "olga",
      reason: "new routes",
      toVersion: "v2",
    });
    expect(bundle!.approvals).toEqual([
      expect.objectContaining({ approver: "arne", decision: "approved", comment: "looks right", matchesRequest: true }),
    ]);
    expect(bundle!.dispatchAttempts).toEqual([
      expect.objectContaining({ stage: "all", attempt: 1, httpStatus: 202, outcome: "delivered" }),
    ]);
    // The target URL may hold the service's token: a viewer's bundle names its host, an admin's the whole URL.
    expect(bundle!.dispatchAttempts[0]!.url).toBe("checkout.example");
    expect(JSON.stringify(bundle)).not.toContain("s3cr3t");
    const adminBundle = await asViewer(() => getEvidenceBundle(seeded.reloadKey, { username: "ada", role: "admin" }));
    expect(adminBundle!.dispatchAttempts[0]!.url).toBe("https://checkout.example/reload?token=s3cr3t");
    expect(bundle!.controlPlaneEvents.map((e) => e.phase)).toEqual(["requested", "dispatched"]);
    expect(bundle!.instances.map((i) => [i.instance, i.phase, i.error, i.events.map((e) => e.phase)])).toEqual([
      ["pod-a", "acked", null, ["received", "acked"]],
      ["pod-b", "nacked", "parse error at line 3", ["nacked"]],
    ]);
    expect(bundle!.outcome).toMatchObject({ status: "partially_failed", targets: 2, acked: 1, nacked: 1 });
    expect(bundle!.audit.entries.map((e) => e.actor)).toEqual(["olga", "arne"]);
    expect(bundle!.audit.entries[1]!.hash).toBe(approved.hash);
    expect(bundle!.audit).toMatchObject({
      entriesHold: true,
      entriesInSoundChain: true,
      chain: { intact: true, entries: 3 },
    });

    await tamper(`UPDATE audit_log SET actor = 'nobody' WHERE id = $1::bigint`, approved.id);
    const after = await asViewer(() => getEvidenceBundle(seeded.reloadKey, { username: "vera", role: "viewer" }));
    expect(after!.audit.entries.map((e) => e.hashHolds)).toEqual([true, false]);
    expect(after!.audit).toMatchObject({
      entriesHold: false,
      entriesInSoundChain: false,
      chain: { intact: false, brokenAt: approved.id },
    });
  });

  test("the evidence bundle of a reload nobody requested in the app has no request and no entries; an unknown key has none", async () => {
    await acceptEvents([
      event({ id: "ev-solo", reloadId: "rl-solo", phase: "acked", toVersion: "v9", occurredAt: minutesAgo(3) }),
    ]);
    const [reload] = await sql().query<{ key: string }[]>(
      `SELECT id::text AS key FROM reload WHERE reload_id = 'rl-solo'`,
    );
    const bundle = await asViewer(() => getEvidenceBundle(reload!.key, { username: "vera", role: "viewer" }));
    expect(bundle).toMatchObject({
      request: null,
      approvals: [],
      dispatchAttempts: [],
      audit: { entries: [], subjects: [`reload:${reload!.key}`] },
    });
    expect(bundle!.instances.map((i) => i.events.length)).toEqual([1]);
    expect(await asViewer(() => getEvidenceBundle("999999", { username: "vera", role: "viewer" }))).toBeNull();
    expect(await asViewer(() => getEvidenceBundle("not-a-key", { username: "vera", role: "viewer" }))).toBeNull();
  });
});

/** RFC 4180 as a spreadsheet reads it: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += ch;
  }
  expect(field).toBe("");
  expect(record).toEqual([]);
  return records;
}
