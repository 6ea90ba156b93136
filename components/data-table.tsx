import { Fragment, type ReactElement, type ReactNode, type TableHTMLAttributes } from "react";

/**
 * A table as the pages draw one: in a `.table-wrap` (it scrolls sideways on a narrow screen),
 * one heading row, the rows as children. A column is its heading text, or a `<th>` of its
 * own (a sort link, say). Other props (aria-label, data-*) go on the <table>.
 */
export function DataTable({
  columns,
  children,
  ...table
}: { columns: readonly (string | ReactElement)[]; children: ReactNode } & TableHTMLAttributes<HTMLTableElement>) {
  return (
    <div className="table-wrap">
      <table {...table}>
        <thead>
          <tr>
            {columns.map((column, i) =>
              typeof column === "string" ? <th key={i}>{column}</th> : <Fragment key={i}>{column}</Fragment>,
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
