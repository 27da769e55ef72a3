export { type CliCommand, parseCliArguments } from "./cli-arguments.js";
export { withEnvironment } from "./environment.js";
export { MoloslaveError, type MoloslaveErrorCode, moloslaveExitCode } from "./errors.js";
export { type CloneOptions, type CloneResult, cloneRepository } from "./git-clone.js";
export {
  type InstallOptions,
  type InstallPlan,
  installDependencies,
  planInstall,
} from "./install-dependencies.js";
export { type CommandOptions, type CommandResult, type CommandRunner, runCommand } from "./run-command.js";
export {
  type RepoRunStep,
  type RunFromRepoOptions,
  type RunOverrides,
  runFromRepo,
} from "./run-from-repo.js";
export { type InitOptions, type InitResult, initProject } from "./scaffold.js";
export { createWorkDirectory, type WorkDirectory, type WorkDirectoryOptions } from "./work-directory.js";
