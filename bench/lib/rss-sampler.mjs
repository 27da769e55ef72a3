import { readTreeRss } from "./proc.mjs";
import { median } from "./statistics.mjs";

/**
 * @typedef {object} RssSample
 * @property {number} seconds since the sampler was attached to the process
 * @property {number} bytes RSS summed over the process tree
 * @property {number} processes how many processes were counted
 */

/**
 * Samples the resident memory of a process (and its descendants) from /proc at a fixed interval,
 * from the moment `attach(pid)` is called until `stop()`.
 *
 * @param {{ intervalMs: number, includeChildren: boolean, procRoot?: string }} options
 */
export function startRssSampler({ intervalMs, includeChildren, procRoot = "/proc" }) {
  /** @type {RssSample[]} */
  const samples = [];
  let timer;
  let started = 0;
  let rootPid;
  const sample = () => {
    if (rootPid === undefined) return;
    const { bytes, processes } = readTreeRss(rootPid, includeChildren, procRoot);
    if (processes > 0) samples.push({ seconds: (performance.now() - started) / 1000, bytes, processes });
  };
  return {
    /** @param {number} pid */
    attach(pid) {
      rootPid = pid;
      started = performance.now();
      sample();
      timer = setInterval(sample, intervalMs);
    },
    /** @returns {RssSample[]} */
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

/**
 * Peak and steady RSS of a run. Steady is the median of the samples of the second half of the run,
 * when start-up and ramp-up are over.
 *
 * @param {RssSample[]} samples
 * @returns {{ peakBytes: number | undefined, steadyBytes: number | undefined, samples: number }}
 */
export function summariseRss(samples) {
  if (samples.length === 0) return { peakBytes: undefined, steadyBytes: undefined, samples: 0 };
  const peakBytes = Math.max(...samples.map((sample) => sample.bytes));
  const end = /** @type {RssSample} */ (samples.at(-1)).seconds;
  const steadyBytes = median(
    samples.filter((sample) => sample.seconds >= end / 2).map((sample) => sample.bytes),
  );
  return { peakBytes, steadyBytes, samples: samples.length };
}
