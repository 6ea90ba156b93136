import Link from "next/link";
import { sourceHref, sourceOfInitiator } from "@/lib/domain/source-initiator";

/** Who started a reload; a reload a Prometheus source saw links to that source. */
export function Initiator({ initiator, fallback = "unknown" }: { initiator: string | null; fallback?: string }) {
  const source = sourceOfInitiator(initiator);
  if (source !== null) {
    return (
      <span data-initiator-source={source}>
        source <Link href={sourceHref(source)}>{source}</Link> <span className="muted">(seen in its metrics)</span>
      </span>
    );
  }
  return <>{initiator ?? fallback}</>;
}
