"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import styles from "./admin.module.css";

export const ADMIN_SECTIONS = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/tokens", label: "Ingest tokens" },
  { href: "/admin/targets", label: "Reload targets" },
  { href: "/admin/policies", label: "Approval policies" },
  { href: "/admin/sources", label: "Sources" },
] as const;

export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav className={`panel ${styles.nav}`} aria-label="Admin">
      {ADMIN_SECTIONS.map((section) => (
        <Link
          key={section.href}
          href={section.href}
          aria-current={pathname.startsWith(section.href) ? "page" : undefined}
        >
          {section.label}
        </Link>
      ))}
    </nav>
  );
}
