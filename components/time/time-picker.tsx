"use client";

// THE time picker (one for every page with a time range). Usage:
//
//   Inside a GET filter form: it submits `from` and `to` with the form's other fields.
//     <form method="get" action="/reloads"> … <TimePicker from={raw.from} to={raw.to} /> … </form>
//   On its own (no surrounding form): give the page and the parameters to keep.
//     <TimePicker from={raw.from} to={raw.to} action="/services/12" keep={{ tab: "charts" }} />
//
// The URL holds `from`/`to` as "now-1h" (relative, the default `to` being empty = now) or an
// absolute UTC time (2026-11-21T14:03:07Z). Read them on the server with parseTimeRange(from,
// to, new Date()) from lib/domain/time-range.ts, the same function the picker uses, and name
// a refusal (parsed.message) on the page. Times typed here are read in the viewer's choice of
// UTC or local time (remembered, components/time/time-zone.ts) and written to the URL in UTC.
import { useId, useRef, useState, type KeyboardEvent } from "react";
import {
  describeTimeRange,
  formatTimeInput,
  isRelativeTime,
  normalizeTimeInput,
  parseTimeExpression,
  TIME_PRESETS,
} from "@/lib/domain/time-range";
import { ClockIcon } from "@/components/icons";
import { useTimeZoneChoice, zoneName } from "./time-zone";

interface Props {
  from?: string | null;
  to?: string | null;
  /** Set when the picker is not inside a form: the page it submits to. */
  action?: string;
  /** With `action`: the other parameters of the page's URL to keep. */
  keep?: Record<string, string | null | undefined>;
  /** The label before the button, "Time range" by default. */
  label?: string;
}

export function TimePicker({ from, to, action, keep, label = "Time range" }: Props) {
  const [zone, setZone] = useTimeZoneChoice();
  const id = useId();
  const details = useRef<HTMLDetailsElement>(null);
  const fromField = useRef<HTMLInputElement>(null);
  const toField = useRef<HTMLInputElement>(null);
  const [fromText, setFromText] = useState<string | null>(null);
  const [toText, setToText] = useState<string | null>(null);
  const now = new Date();
  const show = (text: string | null | undefined) => {
    if (!text) return "";
    if (isRelativeTime(text)) return text;
    const date = parseTimeExpression(text, now);
    return date ? formatTimeInput(date, zone) : text;
  };
  const summary = describeTimeRange(from ?? null, to ?? null, (d) => formatTimeInput(d, zone), now);

  const submit = (nextFrom: string, nextTo: string) => {
    if (!fromField.current || !toField.current) return;
    // Written straight into the submitted fields: a state update would land after the submit.
    fromField.current.value = nextFrom;
    toField.current.value = nextTo;
    fromField.current.form?.requestSubmit();
  };
  const applyTyped = () => {
    const at = new Date();
    submit(normalizeTimeInput(fromText ?? show(from), zone, at), normalizeTimeInput(toText ?? show(to), zone, at));
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape" && details.current?.open) {
      details.current.open = false;
      details.current.querySelector("summary")?.focus();
    }
  };

  const fields = (
    <div className="time-picker-field">
      <span className="time-picker-label" id={`${id}-label`}>
        {label}
      </span>
      <input type="hidden" name="from" ref={fromField} defaultValue={from ?? ""} />
      <input type="hidden" name="to" ref={toField} defaultValue={to ?? ""} />
      <details className="time-picker" ref={details} onKeyDown={onKeyDown} data-time-picker>
        <summary aria-describedby={`${id}-label`}>
          <ClockIcon /> <span data-time-range>{summary}</span> <span className="muted">{zoneName(zone)}</span>
        </summary>
        <div className="time-picker-pop" role="group" aria-label="Choose a time range">
          <div className="time-picker-presets">
            <span className="time-picker-heading">Relative</span>
            {TIME_PRESETS.map((preset) => (
              <button
                type="button"
                key={preset.from}
                className={`secondary${from === preset.from && !to ? " current" : ""}`}
                aria-pressed={from === preset.from && !to}
                onClick={() => submit(preset.from, "")}
              >
                {preset.label}
              </button>
            ))}
            <button type="button" className="secondary" onClick={() => submit("", "")}>
              Any time
            </button>
          </div>
          <div className="time-picker-absolute">
            <span className="time-picker-heading">Absolute, or now-2h</span>
            <label>
              From
              <input
                type="text"
                inputMode="text"
                autoComplete="off"
                spellCheck={false}
                placeholder="2026-11-21 14:00 or now-6h"
                value={fromText ?? show(from)}
                onChange={(e) => setFromText(e.target.value)}
                onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), applyTyped())}
              />
            </label>
            <label>
              To
              <input
                type="text"
                autoComplete="off"
                spellCheck={false}
                placeholder="now"
                value={toText ?? show(to)}
                onChange={(e) => setToText(e.target.value)}
                onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), applyTyped())}
              />
            </label>
            <button type="button" onClick={applyTyped}>
              Apply time range
            </button>
            <fieldset className="time-zone-choice">
              <legend>Times in</legend>
              <label>
                <input type="radio" checked={zone === "utc"} onChange={() => setZone("utc")} /> UTC
              </label>
              <label>
                <input type="radio" checked={zone === "local"} onChange={() => setZone("local")} /> Local
              </label>
            </fieldset>
          </div>
        </div>
      </details>
    </div>
  );

  if (!action) return fields;
  return (
    <form method="get" action={action} className="time-picker-form">
      {Object.entries(keep ?? {}).map(([name, value]) =>
        value ? <input key={name} type="hidden" name={name} value={value} /> : null,
      )}
      {fields}
    </form>
  );
}
