const ICONS: Record<string, string> = {
  config: "⚙",
  policy: "§",
  routes: "⇄",
  flags: "⚑",
  cache: "◫",
  certificate: "⚷",
  model: "◈",
  prompt: "✎",
  data: "▤",
  code: "⌘",
};

/** A kind's name with its icon; unknown kinds get a neutral dot. */
export function KindLabel({ kind }: { kind: string }) {
  return (
    <span>
      <span aria-hidden="true" style={{ marginRight: 4 }}>
        {ICONS[kind] ?? "•"}
      </span>
      {kind}
    </span>
  );
}
