// GET /api/reloads/{key}/evidence: a signed-in session in; the reload's evidence bundle (request, approvals, dispatch attempts, per-instance answers, outcome, audit entries with hashes and the chain's verdict) out as one JSON download, or 404.
import { ApiError } from "@/lib/api/errors";
import { json } from "@/lib/api/json";
import { withReader } from "@/lib/api/with-reader";
import { getEvidenceBundle } from "@/lib/audit/evidence";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withReader<{ params: Promise<{ key: string }> }>(
  { tokens: false },
  async (_request, { params }, reader) => {
    if (reader.kind !== "user") throw new ApiError("unauthorized", "sign in to download evidence");
    const key = (await params).key;
    const bundle = await getEvidenceBundle(key, { username: reader.actor.username, role: reader.actor.role });
    if (!bundle) throw new ApiError("not_found", "no reload has this key");
    const stamp = bundle.generatedAt
      .toISOString()
      .replace(/\.\d+Z$/, "Z")
      .replace(/:/g, "-");
    // The reloadId is the sender's text: only safe characters go into the file name.
    const name = `reloadscope-evidence_${bundle.reload.reloadId.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80)}_${key}_${stamp}.json`;
    return json(bundle, 200, {
      "content-disposition": `attachment; filename="${name}"`,
      "x-content-type-options": "nosniff",
    });
  },
);
