// One statement's positional parameters, numbered as they are added, and the `unnest` lists
// the hot paths read and write many rows through (docs/adr/0004): typed columns in, the
// `unnest($1::text[], $2::timestamptz[], …)` text and one array parameter per column out, so
// no parameter of a list is numbered by hand and a column's type sits beside its values.

/** Postgres array element types a column can have, and the JavaScript value each takes. */
interface ColumnValue {
  text: string | null;
  int: number | null;
  /** a bigint as text or as a safe integer (pg returns bigints as text) */
  bigint: string | number | null;
  float8: number | null;
  boolean: boolean | null;
  /** a Date, or timestamptz text as it is (finer than a Date's milliseconds, say) */
  timestamptz: Date | string | null;
  /** JSON text (JSON.stringify), so a string value is never taken for a document */
  jsonb: string | null;
}

export type ColumnType = keyof ColumnValue;

/** One column of an unnest list: its array type and its values, one per row. */
export interface Column {
  readonly type: ColumnType;
  readonly values: readonly unknown[];
}

const of =
  <T extends ColumnType>(type: T) =>
  (values: readonly ColumnValue[T][]): Column => ({ type, values });

/** Column constructors: `column.text(rows.map((r) => r.name))`. */
export const column = {
  text: of("text"),
  int: of("int"),
  bigint: of("bigint"),
  float8: of("float8"),
  boolean: of("boolean"),
  // Dates as ISO text: exact to the millisecond whatever the process's time zone.
  timestamptz: (values: readonly ColumnValue["timestamptz"][]): Column => ({
    type: "timestamptz",
    values: values.map((d) => (d instanceof Date ? d.toISOString() : d)),
  }),
  jsonb: of("jsonb"),
} satisfies Record<ColumnType, (values: never) => Column>;

/** An unnest list in a statement, by its column names. */
export interface Unnest<Name extends string> {
  /** `unnest($1::text[], $2::int[], …)`, the columns in the order given */
  readonly call: string;
  /** the column names in that order, comma-separated: an alias's column list or an INSERT's */
  readonly names: string;
  /** the column names in that order (an UPDATE's SET list, say) */
  readonly columns: readonly Name[];
  /** `unnest(…) AS alias(names)`; `ordinality` names a 1-based row number column after them */
  as(alias: string, options?: { ordinality?: string }): string;
  /** one column's array parameter again (`id = ANY($1::int[])`) */
  param(name: Name): string;
}

export interface SqlParams {
  /** every parameter added, in `$n` order: pass them after the statement's text */
  readonly values: unknown[];
  /** `$n` (cast as `::type` when given) for one more parameter */
  value(value: unknown, type?: string): string;
  /** an unnest list of `columns`, one array parameter each; every column must hold as many values */
  unnest<Name extends string>(columns: Record<Name, Column>): Unnest<Name>;
}

export function sqlParams(): SqlParams {
  const values: unknown[] = [];
  const value = (v: unknown, type?: string) => {
    values.push(v);
    return type ? `$${values.length}::${type}` : `$${values.length}`;
  };
  return {
    values,
    value,
    unnest<Name extends string>(columns: Record<Name, Column>): Unnest<Name> {
      const entries = Object.entries(columns) as [Name, Column][];
      if (entries.length === 0) throw new Error("an unnest list needs a column");
      const rows = entries[0]![1].values.length;
      const uneven = entries.find(([, c]) => c.values.length !== rows);
      if (uneven) throw new Error(`unnest column ${uneven[0]} has ${uneven[1].values.length} values, not ${rows}`);
      const params = new Map(entries.map(([name, c]) => [name, value(c.values, `${c.type}[]`)]));
      const call = `unnest(${[...params.values()].join(", ")})`;
      const order = entries.map(([name]) => name);
      const names = order.join(", ");
      return {
        call,
        names,
        columns: order,
        as: (alias, options) =>
          options?.ordinality
            ? `${call} WITH ORDINALITY AS ${alias}(${names}, ${options.ordinality})`
            : `${call} AS ${alias}(${names})`,
        param: (name) => params.get(name)!,
      };
    },
  };
}
