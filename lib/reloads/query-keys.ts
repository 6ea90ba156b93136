// Query keys for the reloads' live views: one factory, no inline string keys.
export const reloadKeys = {
  all: ["reloads"] as const,
  progress: (key: string) => [...reloadKeys.all, "progress", key] as const,
};
