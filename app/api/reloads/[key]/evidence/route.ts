// GET /api/reloads/{key}/evidence: a signed-in session in; the reload's evidence bundle (request, approvals, dispatch attempts, per-instance answers, outcome, audit entries with hashes and the chain's verdict) out as one JSON download, or 404.
import { currentActor } from "@/lib/auth/actor";
import { getEvidenceBundle } from "@/lib/audit/evidence";
import { json, problem } from "@/lib/ingest/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ key: string }> }): Promise<Response> {
  try {
    const actor = await currentActor();
    if (!actor) return json({ error: "unauthorized", message: "sign in to download evidence" }, 401);
    const key = (await params).key;
    const bundle = await getEvidenceBundle(key, { username: actor.username, role: actor.role });
    if (!bundle) return json({ error: "not_found", message: "no reload has this key" }, 404);
    const stamp = bundle.generatedAt.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
    // The reloadId is the sender's text: only safe characters go into the file name.
    const name = `reloadscope-evidence_${bundle.reload.reloadId.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80)}_${key}_${stamp}.json`;
    return json(bundle, 200, { "content-disposition": `attachment; filename="${name}"`, "x-content-type-options": "nosniff" });
  } catch (error) {
    return problem(error);
  }
}
