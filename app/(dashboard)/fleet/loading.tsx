import { ListPageSkeleton } from "@/components/skeletons";

export default function LoadingFleet() {
  return <ListPageSkeleton title="Fleet versions" label="Loading the fleet" stats rows={8} rowHeight={44} />;
}
