import { describe, expect, test } from "vitest";
import { changePreview } from "@/lib/domain/change-preview";

const targets = [
  { instance: "pod-2", version: "t-32" },
  { instance: "pod-1", version: "t-32" },
  { instance: "pod-3", version: "t-33" },
];

describe("changePreview", () => {
  test("a version nobody ever reported is said to be a first rollout", () => {
    const preview = changePreview("t-33", targets.slice(0, 2), new Set(), []);
    expect(preview.neverReported).toBe(true);
    expect(preview.warning).toBe(
      "t-33 was never reported by any instance of any service: this would be its first rollout, so nothing shows it runs.",
    );
    expect(preview.preflight).toMatchObject({ moving: 2, movingUnconfirmed: 2 });
  });

  test("a version that ran elsewhere names how many movers never ran it", () => {
    const preview = changePreview("t-33", targets, new Set(["pod-3", "pod-1"]), [
      { service: "staging / edge / ingress", serviceId: 4 },
    ]);
    expect(preview.neverReported).toBe(false);
    expect(preview.warning).toBe("1 instance of the 2 that would move never ran t-33.");
    expect(preview.preflight.rows.map((r) => [r.instance, r.moves, r.everAcked])).toEqual([
      ["pod-1", true, true],
      ["pod-2", true, false],
      ["pod-3", false, true],
    ]);
  });

  test("every mover ran it before: no warning; rows are limited, the counts are not", () => {
    const preview = changePreview(
      "t-33",
      targets,
      new Set(["pod-1", "pod-2", "pod-3"]),
      [{ service: "prod / edge / ingress", serviceId: 1 }],
      2,
    );
    expect(preview.warning).toBeNull();
    expect(preview).toMatchObject({ shown: 2, total: 3, preflight: { moving: 2, movingUnconfirmed: 0 } });
    expect(preview.preflight.rows).toHaveLength(2);
  });
});
