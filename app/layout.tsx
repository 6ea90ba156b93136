import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { AdminNavLink } from "@/components/admin/admin-nav-link";
import { AlertsNavLink } from "@/components/alerts/alerts-nav-link";
import { ApprovalsNavLink } from "@/components/approvals/approvals-nav-link";
import { UserMenu } from "@/components/auth/user-menu";
import { SiteNav } from "@/components/nav/site-nav";
import { THEME_SCRIPT, ThemeToggle } from "@/components/theme/theme-toggle";
import { TimeZoneToggle } from "@/components/time/time-zone-toggle";
import { Providers } from "./providers";
import "./globals.css";

// Every page is rendered per request, never prerendered at build time: the header and the
// dashboard's layouts read the session, which needs the server's secrets (NEXTAUTH_SECRET)
// and the database, and a page with nothing dynamic of its own (/admin only redirects) was
// otherwise prerendered by `next build` with them. Set here, once, so a
// new page cannot forget it.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Reloadscope", template: "%s · Reloadscope" },
  description: "Reload observability: which version of every reloadable thing runs where, and how it got there.",
  // public/: the SVG for browsers that take it, favicon.ico for those that ask for it by name.
  icons: {
    icon: [
      { url: "/icon.svg", type: "image/svg+xml" },
      { url: "/favicon.ico", sizes: "16x16 32x32 48x48" },
    ],
  },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // data-theme is set before hydration by THEME_SCRIPT when the viewer chose a theme.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <header className="topbar">
          <Link href="/fleet" className="brand">
            Reloadscope
          </Link>
          <SiteNav>
            <Link href="/fleet">Fleet</Link> <Link href="/reloads">Reloads</Link> <Link href="/replay">Replay</Link>{" "}
            <AlertsNavLink /> <ApprovalsNavLink /> <Link href="/audit">Audit</Link> <AdminNavLink />
          </SiteNav>
          <div className="topbar-prefs">
            <TimeZoneToggle />
            <ThemeToggle />
          </div>
          <UserMenu />
        </header>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
