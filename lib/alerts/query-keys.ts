// Query keys for the alerts' live views: one factory, no inline string keys.
export const alertKeys = {
  all: ["alerts"] as const,
  status: () => [...alertKeys.all, "status"] as const,
};
