import { dirname } from "node:path";
import type { Writable } from "node:stream";
import {
  type ExitCodeName,
  LoadcoreError,
  type LoadResults,
  loadcoreExitCode,
  type ProgressInfo,
  runLoad,
  type TimelinePoint,
} from "@sizer/loadcore";
import { MoloslaveError, moloslaveExitCode, runFromRepo } from "@sizer/moloslave";
import { ScenarioError, SizerError, SizerUsageError } from "./errors.js";
import type { LoadSettings, ScenarioSource } from "./sizer-options.js";

/** Options of {@link runSizing}. */
export interface SizingRunOptions {
  scenario: ScenarioSource;
  load: LoadSettings;
  /** The service's URL, given to the scenario as SERVER_URL. */
  serverUrl: string;
  signal: AbortSignal;
  /** Where loadcore's own output goes (sizer shows its own progress). */
  output: Writable;
  command: readonly string[];
  onProgress: (point: TimelinePoint, info: ProgressInfo) => void;
  /** Steps before the load with `--repo` (cloning, installing), for people. */
  onStep?: (message: string) => void;
}

/** What loadcore's or moloslave's error means in the exit-code table the commands share, if it is theirs. */
function exitCodeName(error: unknown): ExitCodeName | undefined {
  if (error instanceof LoadcoreError) return loadcoreExitCode(error.code);
  if (error instanceof MoloslaveError) return moloslaveExitCode(error.code);
  return undefined;
}

/**
 * Runs loadcore's sizing against the service: a scenario file, or a test of a Git repo's
 * molotov.json through moloslave. The service's URL reaches the scenario as SERVER_URL (over any
 * SERVER_URL a molotov.json sets). A scenario or config mistake becomes a {@link ScenarioError}.
 */
export async function runSizing(options: SizingRunOptions): Promise<LoadResults> {
  const env = { SERVER_URL: options.serverUrl };
  const overrides = {
    ...options.load,
    sizing: true,
    quiet: false,
    tty: false,
    summary: true,
    command: [...options.command],
    onProgress: options.onProgress,
  };
  try {
    if (options.scenario.kind === "file") {
      return await runLoad({
        ...overrides,
        scenarioFile: options.scenario.file,
        cwd: dirname(options.scenario.file),
        env,
        signal: options.signal,
        stdout: options.output,
        stderr: options.output,
      });
    }
    return await runFromRepo({
      repo: options.scenario.repo,
      test: options.scenario.test,
      ref: options.scenario.ref,
      env,
      overrides,
      onStep: (step) => {
        if (step.step === "cloning")
          options.onStep?.(`cloning ${step.repo}${step.ref ? ` at ${step.ref}` : ""}`);
        else if (step.step === "cloned") options.onStep?.(`cloned commit ${step.commit.slice(0, 12)}`);
        else if (step.step === "installing") options.onStep?.("installing the repo's dependencies");
        else if (step.step === "running")
          options.onStep?.(`running test ${step.test} (${step.scenarioFile})`);
      },
      signal: options.signal,
      stdout: options.output,
      stderr: options.output,
    });
  } catch (error) {
    if (error instanceof SizerError) throw error;
    const name = exitCodeName(error);
    // A bad option a program passed (the command line checks them while parsing) is a usage error.
    if (name === "usage")
      throw new SizerUsageError((error as { input?: string }).input ?? "load", (error as Error).message);
    if (name !== undefined) throw new ScenarioError((error as Error).message, { cause: error });
    throw error;
  }
}
