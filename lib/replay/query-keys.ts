// Query keys for the replay's live fetching: one factory, no inline string keys.
export const replayKeys = {
  all: ["replay"] as const,
  frames: () => [...replayKeys.all, "frame"] as const,
  /** The fleet at one instant (ISO, ms precision), one page of services. */
  frame: (at: string, page: number) => [...replayKeys.frames(), at, page] as const,
};
