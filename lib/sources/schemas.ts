// What the source actions accept, from a form (all strings) or a plain object (tests).
import { z } from "zod";
import { rowId, storable } from "@/lib/auth/input-fields";
import { parseSourceRules } from "@/lib/domain/source-catalogue";

export const SOURCE_URL_MAX = 2048;
export const SOURCE_TOKEN_MAX = 4096;

const labelName = (what: string, fallback: string) =>
  z.preprocess(
    (v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? fallback : v),
    z
      .string({ error: `Name the label that names the ${what}.` })
      .trim()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: "A label name: letters, digits and _, not starting with a digit." }),
  );

/** Checks a source's URL: http or https, no user or password in it (the token field is for that). */
export function sourceUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Enter the URL of a Prometheus-compatible query API, such as http://prometheus:9090.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "Use an http or https URL.";
  if (url.username || url.password) return "Leave credentials out of the URL: put a bearer token in the token field.";
  if (url.search || url.hash) return "Give the API's base URL, without a query string.";
  return null;
}

export const addSourceInput = z.object({
  name: storable(
    z
      .string({ error: "Name the source." })
      .trim()
      .min(1, { error: "Name the source." })
      .max(100, { error: "Use at most 100 characters." }),
  ).refine((n) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n), {
    error: "Letters, digits, '.', '_' and '-' only (it becomes the initiator source:<name>).",
  }),
  url: z
    .string({ error: "Enter the query API's URL." })
    .trim()
    .max(SOURCE_URL_MAX, { error: `Use at most ${SOURCE_URL_MAX} characters.` })
    .superRefine((u, ctx) => {
      const problem = sourceUrlProblem(u);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((u) => u.replace(/\/+$/, "")),
  token: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? null : v),
    storable(
      z
        .string()
        .trim()
        .max(SOURCE_TOKEN_MAX, { error: `A token of at most ${SOURCE_TOKEN_MAX} characters.` }),
    ).nullish(),
  ),
  environmentLabels: z.preprocess(
    (v) =>
      v === undefined || v === null || v === ""
        ? ["env", "environment"]
        : typeof v === "string"
          ? v
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : v,
    z
      .array(
        z
          .string()
          .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: "Label names: letters, digits and _, separated by commas." }),
      )
      .min(1)
      .max(10, { error: "At most 10 labels." }),
  ),
  defaultEnvironment: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? "default" : (v ?? "default")),
    storable(z.string().trim().max(100, { error: "Use at most 100 characters." })),
  ),
  serviceLabel: labelName("service", "job"),
  instanceLabel: labelName("instance", "instance"),
  rules: z
    .preprocess(
      (v) => (v === undefined || v === null ? "" : v),
      storable(z.string().max(20_000, { error: "At most 20,000 characters of rules." })),
    )
    .transform((text, ctx) => {
      const { rules, problems } = parseSourceRules(text);
      for (const p of problems) ctx.addIssue({ code: "custom", message: p });
      return rules;
    }),
});
/** What a caller passes: name and URL, the rest optional with the defaults of DESIGN.md. */
export interface AddSourceInput {
  name: string;
  url: string;
  token?: string | null;
  /** comma-separated, or a list */
  environmentLabels?: string | string[];
  defaultEnvironment?: string;
  serviceLabel?: string;
  instanceLabel?: string;
  /** one rule a line: metric kind resource [versionLabel] */
  rules?: string;
}

export const sourceIdInput = z.object({ sourceId: rowId("Choose a source.") });
export type SourceIdInput = z.input<typeof sourceIdInput>;
