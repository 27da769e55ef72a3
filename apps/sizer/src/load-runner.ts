import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { type LoadResults, type ProgressInfo, runLoad, type TimelinePoint } from "@sizer/loadcore";
import { runFromRepo } from "@sizer/moloslave";
import { ScenarioError, SizerError } from "./errors.js";
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

function isLoadcoreUserError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^ERR_(LOADCORE|MOLOSLAVE)_/.test(code) && !/INTERNAL/.test(code);
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
    if (isLoadcoreUserError(error)) throw new ScenarioError(error.message, { cause: error });
    throw error;
  }
}
