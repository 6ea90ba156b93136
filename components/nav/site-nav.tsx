"use client";

// The header's links. On a phone they fold behind a "Menu" button (six links took 215 px of
// an 844 px screen); from 721 px up the button is hidden and the links always show (CSS).
import { usePathname } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import { MenuIcon } from "@/components/icons";

export function SiteNav({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  // A link followed closes the menu.
  useEffect(() => setOpen(false), [pathname]);
  return (
    <nav className={open ? "site-nav open" : "site-nav"} aria-label="Main">
      <button
        type="button"
        className="nav-toggle"
        aria-expanded={open}
        aria-controls="site-nav-links"
        onClick={() => setOpen(!open)}
      >
        <MenuIcon /> Menu
      </button>
      <div className="site-nav-links" id="site-nav-links">
        {children}
      </div>
    </nav>
  );
}
