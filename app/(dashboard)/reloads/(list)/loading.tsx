// The list lives in the (list) group so its loading boundary does not wrap /reloads/[id], whose layout must answer a real 404 before anything streams.
import { ListPageSkeleton } from "@/components/skeletons";

export default function LoadingReloads() {
  return <ListPageSkeleton title="Reloads" label="Loading reloads" rows={10} rowHeight={40} />;
}
