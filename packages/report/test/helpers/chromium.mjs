// How this package's tests and benchmarks start headless Chromium (Debian's /usr/bin/chromium through
// playwright-core): one place for the path and the flags. The background-networking flags matter here:
// without them Chromium's own connections are refused by a closed network, many at a time.
import { chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium with its own profile folder, `width` x 900. */
export function launchChromium(userDataDir, width = 1280) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width, height: 900 },
    args: CHROMIUM_ARGS,
  });
}
