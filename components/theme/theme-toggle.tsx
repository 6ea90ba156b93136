"use client";

// Light or dark, the viewer's choice over the system's (prefers-color-scheme), remembered in
// localStorage. THEME_SCRIPT applies a remembered choice before the first paint (a flash of
// the other theme otherwise); the toggle then keeps <html data-theme> and the store in step.
import { useEffect, useState } from "react";
import { MoonIcon } from "@/components/icons";

const KEY = "rs-theme";

/** Runs in <head> before the body paints: the remembered theme, if any, onto <html>. */
export const THEME_SCRIPT = `try{var t=localStorage.getItem("${KEY}");if(t==="dark"||t==="light")document.documentElement.dataset.theme=t}catch(e){}`;

type Theme = "light" | "dark";

function currentTheme(): Theme {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === "dark" || chosen === "light") return chosen;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function ThemeToggle() {
  // null until mounted: the server cannot know the theme, so the first render names none.
  const [theme, setTheme] = useState<Theme | null>(null);
  useEffect(() => {
    setTheme(currentTheme());
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const follow = () => setTheme(currentTheme());
    media.addEventListener("change", follow);
    return () => media.removeEventListener("change", follow);
  }, []);
  const next: Theme = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className="topbar-toggle"
      aria-pressed={theme === "dark"}
      data-theme-toggle
      onClick={() => {
        document.documentElement.dataset.theme = next;
        try {
          localStorage.setItem(KEY, next);
        } catch {
          // Private windows may refuse storage: the choice then lasts for this page only.
        }
        setTheme(next);
      }}
    >
      <MoonIcon /> Dark mode
    </button>
  );
}
