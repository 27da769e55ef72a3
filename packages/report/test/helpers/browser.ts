// Opens a report in real headless Chromium (Debian's /usr/bin/chromium through playwright-core).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium } from "./chromium.mjs";

export { CHROMIUM_PATH } from "./chromium.mjs";

export interface OpenedReport {
  page: Page;
  consoleErrors: string[];
  networkRequests: string[];
  dialogs: string[];
  /** Trace counts of every drawn chart, by element id. */
  charts: Array<{ id: string; traces: number }>;
  close: () => Promise<void>;
}

export async function openReport(htmlPath: string, options: { width?: number } = {}): Promise<OpenedReport> {
  const userDataDir = mkdtempSync(join(tmpdir(), "sizer-report-chromium-"));
  const context: BrowserContext = await launchChromium(userDataDir, options.width ?? 1280);
  const consoleErrors: string[] = [];
  const networkRequests: string[] = [];
  const dialogs: string[] = [];
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:")) {
      await route.continue();
    } else {
      networkRequests.push(url);
      await route.abort();
    }
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });
  await page.waitForSelector("html[data-charts-ready]", { timeout: 30_000 });
  const charts = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement & { data?: unknown[] }>(".js-plotly-plot")].map((element) => ({
      id: element.id,
      traces: element.data?.length ?? 0,
    })),
  );
  return {
    page,
    consoleErrors,
    networkRequests,
    dialogs,
    charts,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
