// What a plotly bundle costs before the report draws anything: a page holding only the bundle,
// opened in headless Chromium until its script has run (the browser launch is not counted).
// Usage: node bench/plotly-eval.mjs [runs]   (both bundles are dependencies of this package)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launchChromium } from "../test/helpers/chromium.mjs";

const runs = Number(process.argv[2] ?? 5);
const require = createRequire(import.meta.url);
const directory = mkdtempSync(join(tmpdir(), "sizer-report-plotly-eval-"));
const pages = ["plotly.js-basic-dist-min", "plotly.js-dist-min"].map((name) => {
  const { version } = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8"));
  const source = readFileSync(require.resolve(name), "utf8");
  const path = join(directory, `${name}.html`);
  writeFileSync(
    path,
    `<!doctype html><html><body><script>${source}</script><script>document.documentElement.setAttribute("data-ready", "")</script></body></html>`,
  );
  return { bundle: `${name} ${version}`, bytes: Buffer.byteLength(source), path, wallMs: [], cpuMs: [] };
});

const context = await launchChromium(join(directory, "profile"));
// Alternate the bundles so that a busier moment of the machine does not favour one.
for (let run = 0; run < runs; run++) {
  for (const page of pages) {
    const tab = await context.newPage();
    const session = await context.newCDPSession(tab);
    await session.send("Performance.enable");
    const processTime = async () =>
      (await session.send("Performance.getMetrics")).metrics.find((metric) => metric.name === "ProcessTime")
        ?.value ?? Number.NaN;
    const cpuBefore = await processTime();
    const began = performance.now();
    await tab.goto(pathToFileURL(page.path).href);
    await tab.waitForSelector("html[data-ready]", { timeout: 60_000 });
    page.wallMs.push(Math.round(performance.now() - began));
    page.cpuMs.push(Math.round(((await processTime()) - cpuBefore) * 1000));
    await tab.close();
  }
}
await context.close();
rmSync(directory, { recursive: true, force: true });

const median = (values) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)];
console.log(
  JSON.stringify(
    {
      pages: pages.map(({ bundle, bytes, wallMs, cpuMs }) => ({
        bundle,
        bytes,
        wallMs: { median: median(wallMs), all: wallMs },
        rendererCpuMs: { median: median(cpuMs), all: cpuMs },
      })),
      loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
    },
    null,
    2,
  ),
);
