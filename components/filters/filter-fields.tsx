// The fields of the list pages' GET filter forms (reloads, audit, alerts): a label around its
// control, the current filter as the default value, an empty value meaning "no filter".

/** A text filter; `suggestions` become a datalist (values seen, known kinds…). */
export function TextFilter({
  label,
  name,
  value,
  placeholder,
  suggestions,
}: {
  label: string;
  name: string;
  value: string | null | undefined;
  placeholder: string;
  suggestions?: readonly string[];
}) {
  const listId = suggestions ? `${name}-suggestions` : undefined;
  return (
    <label>
      {label}
      <input type="search" name={name} list={listId} defaultValue={value ?? ""} placeholder={placeholder} />
      {suggestions ? (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
    </label>
  );
}

/** A choice among known values, the first option being "no filter" (`anyLabel`). */
export function SelectFilter({
  label,
  name,
  value,
  options,
  anyLabel = "All",
}: {
  label: string;
  name: string;
  value: string | null | undefined;
  options: readonly { value: string; label: string }[];
  anyLabel?: string;
}) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value ?? ""}>
        <option value="">{anyLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Options labelled by `label` (default: the value itself). */
export function plainOptions(
  values: readonly string[],
  label: (value: string) => string = (value) => value,
): { value: string; label: string }[] {
  return values.map((value) => ({ value, label: label(value) }));
}

/** A status as the pages write it: "partially_failed" → "partially failed". */
export const spaced = (value: string) => value.replaceAll("_", " ");
