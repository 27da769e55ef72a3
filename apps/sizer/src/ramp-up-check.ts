import { RUN_DEFAULTS } from "@sizer/loadcore";
import type { LoadSettings, ScenarioSource } from "./sizer-options.js";

/**
 * A warning when the ramp-up is longer than the duration: worker i starts at
 * i * rampUp / total, so the run ends before most of them start, and the sizing reports a limit
 * that is only the few workers it reached. Unset values are loadcore's sizing defaults (500
 * workers over 300 s, no duration limit to speak of); with `--repo` the test's molotov.json may
 * set them, so only values given on the command line are judged then.
 */
export function rampUpWarning(load: LoadSettings, scenario: ScenarioSource): string | undefined {
  const fromConfig = scenario.kind === "repo";
  if (fromConfig && (load.rampUp === undefined || load.duration === undefined)) return undefined;
  const rampUp = load.rampUp ?? RUN_DEFAULTS.sizingRampUp;
  const duration = load.duration ?? RUN_DEFAULTS.duration;
  if (rampUp <= duration) return undefined;
  const rampUpText = `${rampUp} s${load.rampUp === undefined ? ", the default" : ""}`;
  const durationText = `${duration} s${load.duration === undefined ? ", the default" : ""}`;
  const suggestion = `--ramp-up ${Math.floor(duration * 0.75)}`;
  const knownTotal = !fromConfig || (load.workers !== undefined && load.processes !== undefined);
  let reached: string;
  if (load.rampRate !== undefined) {
    reached = `the rate will climb only about ${Math.max(1, Math.round((duration / rampUp) * 100))}% of the way from the ramp rate's FROM to its TO`;
  } else if (knownTotal) {
    const total = (load.workers ?? RUN_DEFAULTS.sizingWorkers) * (load.processes ?? RUN_DEFAULTS.processes);
    const started = Math.min(total, Math.ceil((duration * total) / rampUp));
    reached = `only about ${started} of the ${total} workers will start`;
  } else {
    reached = `only about ${Math.max(1, Math.round((duration / rampUp) * 100))}% of the workers will start`;
  }
  return `the ramp-up (${rampUpText}) is longer than the duration (${durationText}): ${reached}, and the sizing can find no limit above ${load.rampRate === undefined ? "them" : "it"}; give a shorter ramp-up, e.g. ${suggestion}`;
}
