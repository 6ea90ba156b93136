// Small inline SVG icons. Not font glyphs: a glyph the viewer's fonts lack renders as an
// empty box (the audit's "denied" mark did), and an SVG draws the same everywhere. They take
// the text colour and are hidden from screen readers: a word always stands beside them.
import type { ReactNode } from "react";

function Icon({ children, size = 12 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 16 16"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      {children}
    </svg>
  );
}

/** ✓ in a circle: desired, succeeded, in sync. */
export const CheckIcon = () => (
  <Icon>
    <path d="M3.5 8.5l3 3 6-7" />
  </Icon>
);

/** ▲ with "!": off the desired version, drifting, a warning. */
export const WarnIcon = () => (
  <Icon>
    <path d="M8 2L14.5 13.5H1.5Z" />
    <path d="M8 6.5v3M8 11.6v.1" />
  </Icon>
);

/** ✕: failed, NACKed, denied. */
export const CrossIcon = () => (
  <Icon>
    <path d="M4 4l8 8M12 4l-8 8" />
  </Icon>
);

/** ⟳: in progress, reloading. */
export const ProgressIcon = () => (
  <Icon>
    <path d="M13 8a5 5 0 1 1-1.5-3.6" />
    <path d="M13 2.5v2.5h-2.5" />
  </Icon>
);

/** ◯: no desired version, neutral. */
export const DotIcon = () => (
  <Icon>
    <circle cx="8" cy="8" r="3.5" />
  </Icon>
);

export const ClockIcon = () => (
  <Icon size={14}>
    <circle cx="8" cy="8" r="6.5" />
    <path d="M8 4.5V8l2.5 1.5" />
  </Icon>
);

export const MoonIcon = () => (
  <Icon size={14}>
    <path d="M13.5 9.5A6 6 0 0 1 6.5 2.5a6 6 0 1 0 7 7z" />
  </Icon>
);

export const MenuIcon = () => (
  <Icon size={14}>
    <path d="M2.5 4h11M2.5 8h11M2.5 12h11" />
  </Icon>
);
