import { ListPageSkeleton } from "@/components/skeletons";

export default function LoadingAudit() {
  return <ListPageSkeleton title="Audit log" label="Loading the audit log" rows={10} rowHeight={40} />;
}
