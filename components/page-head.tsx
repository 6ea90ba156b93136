import type { ReactNode } from "react";

interface PageHeadProps {
  title: ReactNode;
  /** what the page is for, muted under the title */
  children: ReactNode;
  /** more under that (the audit log's chain head) */
  below?: ReactNode;
  /** on the right (a button) */
  aside?: ReactNode;
}

/** A list or admin page's heading. */
export function PageHead({ title, children, below, aside }: PageHeadProps) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        <div className="muted">{children}</div>
        {below}
      </div>
      {aside}
    </div>
  );
}
