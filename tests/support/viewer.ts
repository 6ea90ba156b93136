// The demo viewer in Chromium for a browser test file: launched and signed in before the
// file's tests, closed after them.
import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import { afterAll, beforeAll, inject } from "vitest";
import { launchBrowser, signedInContext } from "./browser";

/** A locale and time zone unlike the server's, so a time the server and the browser render differently shows. */
export const FOREIGN_CLOCK = { locale: "de-DE", timezoneId: "Pacific/Kiritimati" } as const;

/** The viewer's signed-in context, set before the file's tests run (read it inside a test). */
export function useViewer(options: BrowserContextOptions): { readonly context: BrowserContext } {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    context = await signedInContext(browser, inject("baseUrl"), "viewer", inject("demoPassword"), options);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get context() {
      if (!context) throw new Error("the viewer's browser is not open yet: read it inside a test");
      return context;
    },
  };
}
