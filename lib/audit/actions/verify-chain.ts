"use server";
import { z } from "zod";
import { checkAuditAnchorFile, type AnchorVerdict } from "@/lib/audit-chain/anchor";
import { verifyAuditChain, type ChainVerdict } from "@/lib/audit-chain/audit-log";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

// "Verify chain" on /audit (docs/adr/0011): walks the whole chain and reports the first broken
// link. It is an action like any other, so the verification itself is an audit entry, appended
// after the walk: the verdict covers the entries up to `lastCoveredId`, read when it started,
// and never the entry that records it (which appending after the verdict could not include).
// The chain cannot show that its newest entries were cut off, so the log is also checked
// against this process's anchor file (lib/audit-chain/anchor.ts, docs/adr/0020).

export type VerifyChainResult = ChainVerdict & {
  /** the newest entry when the walk started: the verdict covers every entry up to it */
  lastCoveredId: string | null;
  verifiedAt: string;
  /** the log against the audit anchor: entries cut off the end, or rewritten with every hash after them */
  anchor: AnchorVerdict;
};

const action = defineAction({
  permission: "audit.verify",
  input: z.object({}).strict(),
  run: async ({ tx }) => {
    const verifiedAt = new Date().toISOString();
    // The bound is read first, so appends that land during the walk are outside the verdict.
    const [head] = await tx.query<{ id: string | null }[]>(`SELECT max(id)::text AS id FROM audit_log`);
    const lastCoveredId = head?.id ?? null;
    const verdict = await verifyAuditChain(tx, { upToId: lastCoveredId ?? "0" });
    const anchor = await checkAuditAnchorFile(tx);
    const data: VerifyChainResult = { ...verdict, lastCoveredId, verifiedAt, anchor };
    const anchored = anchor.configured
      ? { anchorLines: anchor.anchors, anchorProblems: anchor.problems.map((p) => p.message) }
      : { anchored: false };
    return {
      data,
      audit: {
        subject: "audit_log",
        details: verdict.intact
          ? {
              verdict: "intact",
              entries: verdict.entries,
              upToId: lastCoveredId,
              headHash: verdict.lastHash,
              ...anchored,
            }
          : {
              verdict: "broken",
              entriesSound: verdict.entries,
              brokenAt: verdict.brokenAt,
              problem: verdict.problem,
              upToId: lastCoveredId,
              ...anchored,
            },
      },
    };
  },
  auditInput: () => ({}),
  revalidate: ["/audit"],
});

export async function verifyChain(): Promise<ActionResult<VerifyChainResult>> {
  return action({});
}

/** For useActionState: the button's form carries no fields. */
export async function verifyChainFromForm(
  _previous: ActionResult<VerifyChainResult> | null,
  _form: FormData,
): Promise<ActionResult<VerifyChainResult>> {
  return action({});
}
