// GET /api/alerts/status: open alert counts and a change marker, for the alerts page's live refresh and the nav badge; a session or a read token.
import { getAlertStatus } from "@/lib/alerts/queries";
import { json } from "@/lib/api/json";
import { withReader } from "@/lib/api/with-reader";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withReader({ tokens: true }, async () => json(await getAlertStatus()));
