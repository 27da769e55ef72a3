// moloslave runs git and installers through the one runner of the sizer packages: argv without a
// shell, its own process group (a timeout or an abort also stops npm's lifecycle scripts and git's
// helpers), SIGTERM then SIGKILL. Re-exported here: part of moloslave's public API.
export {
  type CommandOptions,
  type CommandResult,
  type CommandRunner,
  runCommand,
} from "@sizer/process-kit";
