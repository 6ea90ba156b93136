// Query keys for the fleet's live views: one factory, no inline string keys.
export const fleetKeys = {
  all: ["fleet"] as const,
  status: () => [...fleetKeys.all, "status"] as const,
};
