#!/usr/bin/env node
// Micro-benchmark of what a per-request timeout costs: arming it when a request starts and clearing it when
// the request ends, with N requests in flight (each ends after the N requests started after it, the steady
// state of N closed-loop workers). Compares loadcore's deadline queue (src/request-deadlines.ts, one timer
// for all requests) with a Node timer per request and with undici's own 1 s-resolution timers (what
// undici's headersTimeout / bodyTimeout use). Builds nothing: it loads the TypeScript source through jiti.
// `node --expose-gc bench/deadlines.mjs --help` for the flags (--expose-gc: a collection before each
// measurement, so that none pays for the garbage of another; the cost of its own garbage is counted).
import { createRequire } from "node:module";
import { join } from "node:path";
import { helpText, parseFlags } from "./lib/flags.mjs";
import { markdownTable } from "./lib/format.mjs";
import { repositoryRoot } from "./lib/load-tools.mjs";
import { rotate } from "./lib/schedule.mjs";
import { runScript } from "./lib/script.mjs";
import { median } from "./lib/statistics.mjs";

/** @type {Record<string, import("./lib/flags.mjs").FlagSpec>} */
const FLAGS = {
  inflight: {
    type: "list",
    default: ["50", "500", "5000", "10000"],
    description: "requests in flight, comma-separated",
  },
  operations: {
    type: "integer",
    min: 1000,
    max: 100_000_000,
    default: 1_000_000,
    description: "requests (arm + clear) per measurement",
  },
  rounds: {
    type: "integer",
    min: 1,
    max: 50,
    default: 5,
    description: "rounds; each measures every method once",
  },
  "timeout-ms": {
    type: "integer",
    min: 1,
    max: 3_600_000,
    default: 30_000,
    description: "the timeout armed",
  },
};

const USAGE = "node --expose-gc bench/deadlines.mjs [flags]";
const SUMMARY =
  "Measures the CPU cost of arming and clearing one timeout per request with N requests in flight:\n" +
  "loadcore's deadline queue, a Node timer per request, undici's fast timers. Prints ns per request\n" +
  "(median of the rounds). Exit codes: 0 done, 2 bad flag.";

const noop = () => {};

/**
 * The three ways to time a request: each returns `arm(slot)` and `clear(slot)` over `inflight` slots.
 *
 * @param {{ RequestDeadlines: any, DeadlineEntry: any, fastTimers: any }} modules
 * @param {number} timeoutMs
 */
function methods({ RequestDeadlines, DeadlineEntry, fastTimers }, timeoutMs) {
  class Entry extends DeadlineEntry {
    expire() {}
  }
  return {
    "deadline queue (loadcore)": (/** @type {number} */ inflight) => {
      const deadlines = new RequestDeadlines();
      const entries = Array.from({ length: inflight }, () => new Entry());
      return {
        arm: (/** @type {number} */ slot) => deadlines.arm(entries[slot], timeoutMs, performance.now()),
        clear: (/** @type {number} */ slot) => deadlines.clear(entries[slot]),
        stop: () => deadlines.stop(),
      };
    },
    "setTimeout per request": (/** @type {number} */ inflight) => {
      const timers = new Array(inflight);
      return {
        arm: (/** @type {number} */ slot) => {
          timers[slot] = setTimeout(noop, timeoutMs);
        },
        clear: (/** @type {number} */ slot) => clearTimeout(timers[slot]),
        stop: () => {},
      };
    },
    "undici fast timer per request": (/** @type {number} */ inflight) => {
      const timers = new Array(inflight);
      return {
        arm: (/** @type {number} */ slot) => {
          timers[slot] = fastTimers.setFastTimeout(noop, timeoutMs, undefined);
        },
        clear: (/** @type {number} */ slot) => fastTimers.clearTimeout(timers[slot]),
        stop: () => {},
      };
    },
  };
}

/**
 * ns per request: `operations` requests, each armed when it starts and cleared `inflight` starts later.
 *
 * @param {(inflight: number) => { arm(slot: number): void, clear(slot: number): void, stop(): void }} make
 * @param {number} inflight
 * @param {number} operations
 */
function measure(make, inflight, operations) {
  // the garbage of the previous measurement is not this one's to collect (node --expose-gc)
  globalThis.gc?.();
  const method = make(inflight);
  for (let slot = 0; slot < inflight; slot += 1) method.arm(slot);
  const start = process.cpuUsage();
  for (let index = 0; index < operations; index += 1) {
    const slot = index % inflight;
    method.clear(slot);
    method.arm(slot);
  }
  const used = process.cpuUsage(start);
  for (let slot = 0; slot < inflight; slot += 1) method.clear(slot);
  method.stop();
  return ((used.user + used.system) * 1000) / operations;
}

/** @param {string[]} argv */
async function main(argv) {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) {
    console.log(helpText(USAGE, SUMMARY, FLAGS));
    return 0;
  }
  const levels = flags.inflight.map(Number);
  const requireFromLoadcore = createRequire(join(repositoryRoot, "packages", "loadcore", "package.json"));
  const { createJiti } = requireFromLoadcore("jiti");
  const jiti = createJiti(import.meta.url);
  const { RequestDeadlines, DeadlineEntry } = await jiti.import(
    join(repositoryRoot, "packages", "loadcore", "src", "request-deadlines.ts"),
  );
  const fastTimers = requireFromLoadcore("undici/lib/util/timers.js");
  const all = methods({ RequestDeadlines, DeadlineEntry, fastTimers }, flags["timeout-ms"]);
  /** @type {Record<string, Record<number, number[]>>} */
  const samples = {};
  for (let round = 0; round < flags.rounds; round += 1) {
    for (const inflight of levels) {
      for (const [name, make] of rotate(Object.entries(all), round)) {
        if (samples[name] === undefined) samples[name] = {};
        const byLevel = samples[name];
        if (byLevel[inflight] === undefined) byLevel[inflight] = [];
        byLevel[inflight].push(measure(make, inflight, flags.operations));
      }
    }
  }
  const rows = Object.entries(samples).map(([name, byLevel]) => [
    name,
    ...levels.map((inflight) => (median(byLevel[inflight] ?? []) ?? 0).toFixed(0)),
  ]);
  console.log(
    `ns of CPU per request (arm + clear), median of ${flags.rounds} rounds of ${flags.operations} requests, timeout ${flags["timeout-ms"]} ms, Node ${process.version}\n`,
  );
  console.log(markdownTable(["method \\ requests in flight", ...levels.map(String)], rows));
  return 0;
}

runScript("deadlines", main);
