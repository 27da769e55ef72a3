/** Why a command line could not be split into words. */
export type CommandLineProblem = "empty" | "lone-backslash" | "unclosed-quote";

/**
 * A command line that cannot be split ({@link splitCommandLine}): empty, ending with a lone
 * backslash, or with a quote left open. Each caller words its own message from `problem`, naming
 * its own input (`--service-cmd`, `requirements`).
 */
export class CommandLineError extends Error {
  /** Stable code of every command-line error. */
  readonly code = "ERR_PROCESS_COMMAND_LINE";
  /** What is wrong with the line. */
  readonly problem: CommandLineProblem;
  /** The line as given. */
  readonly commandLine: string;
  /** With `unclosed-quote`: the quote left open. */
  readonly quote: "'" | '"' | undefined;

  constructor(problem: CommandLineProblem, commandLine: string, quote?: "'" | '"') {
    const what =
      problem === "empty"
        ? "it names no command"
        : problem === "lone-backslash"
          ? "it ends with a lone backslash"
          : `the quote ${quote} is not closed`;
    super(`cannot split the command line ${JSON.stringify(commandLine)}: ${what}`);
    this.name = "CommandLineError";
    this.problem = problem;
    this.commandLine = commandLine;
    this.quote = quote;
  }
}

/** taskset could not pin a running process ({@link pinRunningProcess}). */
export class CpuPinningError extends Error {
  /** Stable code of every pinning error. */
  readonly code = "ERR_PROCESS_PINNING";
  /** The process that was to be pinned. */
  readonly pid: number;
  /** The cores, as a taskset list (`0-2,5`). */
  readonly cpuList: string;

  constructor(pid: number, cpuList: string, reason: string, cause?: unknown) {
    super(`taskset could not pin process ${pid} to ${cpuList}: ${reason}`, { cause });
    this.name = "CpuPinningError";
    this.pid = pid;
    this.cpuList = cpuList;
  }
}
