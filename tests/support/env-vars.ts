// Environment variables a test file sets for its own run and gives back afterwards. The app
// reads them through lib/env.ts, whose cache is reset after every change.
import { afterAll, beforeAll } from "vitest";
import { resetEnvCache } from "@/lib/env";

/** Sets `variables` (undefined unsets one) and makes the app read the environment again. */
export function setEnv(variables: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetEnvCache();
}

/** `variables` for the file's tests: set before them, the previous values put back after. */
export function useEnv(variables: Record<string, string | undefined>): void {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const name of Object.keys(variables)) saved[name] = process.env[name];
    setEnv(variables);
  });
  afterAll(() => setEnv(saved));
}
