import { runCli as runBuiltCli } from "@sizer/test-utils";
import { cliPath } from "./helpers.js";

/** What a run of the built `sizer` CLI gave. */
export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON events printed with --json. */
  events: Array<Record<string, unknown>>;
}

/** Runs the built CLI with a deadline (the process is killed past it) and collects its output. */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliOutcome> {
  const { code, stdout, stderr } = await runBuiltCli(cliPath, args, options);
  const events = stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stdout, stderr, events };
}
