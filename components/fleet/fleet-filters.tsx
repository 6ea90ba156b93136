"use client";

import { useRouter } from "next/navigation";
import { useRef, useTransition } from "react";
import { fleetHref, type FleetFilters } from "@/lib/fleet/filters";

interface Props {
  filters: FleetFilters;
  facets: { environments: string[]; namespaces: string[]; kinds: string[] };
}

/** A GET form (works without JavaScript); with it, each change navigates at once. */
export function FleetFiltersForm({ filters, facets }: Props) {
  const router = useRouter();
  const form = useRef<HTMLFormElement>(null);
  const [pending, startTransition] = useTransition();

  const apply = () => {
    if (!form.current) return;
    const data = new FormData(form.current);
    const text = (name: string) => (data.get(name) as string | null) || undefined;
    const href = fleetHref({
      env: text("env"),
      ns: text("ns"),
      kind: text("kind"),
      q: text("q"),
      drifting: data.get("drifting") === "1",
      failing: data.get("failing") === "1",
    });
    startTransition(() => router.push(href));
  };

  return (
    <form
      ref={form}
      className="panel filters"
      method="get"
      action="/fleet"
      aria-label="Filter the fleet"
      onSubmit={(event) => {
        event.preventDefault();
        apply();
      }}
    >
      <Select name="env" label="Environment" value={filters.env} options={facets.environments} onChange={apply} />
      <Select name="ns" label="Namespace" value={filters.ns} options={facets.namespaces} onChange={apply} />
      <Select name="kind" label="Kind" value={filters.kind} options={facets.kinds} onChange={apply} />
      <label>
        Service
        <input type="search" name="q" defaultValue={filters.q ?? ""} placeholder="name contains…" />
      </label>
      <label className="check">
        <input type="checkbox" name="drifting" value="1" defaultChecked={filters.drifting} onChange={apply} />
        Drifting only
      </label>
      <label className="check">
        <input type="checkbox" name="failing" value="1" defaultChecked={filters.failing} onChange={apply} />
        Failed or NACKed only
      </label>
      <button type="submit">Apply</button>
      <a className="button secondary" href="/fleet">
        Clear
      </a>
      {pending ? (
        <span className="muted" role="status">
          Loading…
        </span>
      ) : null}
    </form>
  );
}

function Select(props: { name: string; label: string; value?: string; options: string[]; onChange: () => void }) {
  const options = props.value && !props.options.includes(props.value) ? [...props.options, props.value] : props.options;
  return (
    <label>
      {props.label}
      <select name={props.name} defaultValue={props.value ?? ""} onChange={props.onChange}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
