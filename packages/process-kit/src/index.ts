export { type SplitCommandLine, splitCommandLine } from "./command-line.js";
export { formatCpuList, hasTaskset, pinnedArgv, pinRunningProcess } from "./cpu-list.js";
export { CommandLineError, type CommandLineProblem, CpuPinningError } from "./errors.js";
export { EXIT_CODES, type ExitCodeName } from "./exit-codes.js";
export {
  DEFAULT_KILL_GRACE_MS,
  describeExit,
  endProcessGroup,
  groupAlive,
  type ProcessExit,
  type StopOutcome,
} from "./process-group.js";
export {
  type CommandOptions,
  type CommandResult,
  type CommandRunner,
  DEFAULT_MAX_OUTPUT_CHARACTERS,
  runCommand,
} from "./run-command.js";
export { type ProcessOptions, type RunningProcess, startProcess } from "./start-process.js";
