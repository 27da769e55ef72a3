export { type CliCommand, parseCliArguments, USAGE } from "./cli-arguments.js";
export { parseEnvironmentAssignments, withEnvironment } from "./environment.js";
export {
  AbortedError,
  ConfigNotFoundError,
  DirectoryNotEmptyError,
  FileExistsError,
  GitError,
  InstallError,
  MoloslaveError,
  type MoloslaveErrorCode,
  moloslaveExitCode,
  TestNotFoundError,
  UnsafeArgumentError,
  UsageError,
} from "./errors.js";
export {
  type CloneOptions,
  type CloneResult,
  cloneRepository,
  DEFAULT_CLONE_TIMEOUT_MS,
  gitEnvironment,
  redactRepo,
  validateRef,
  validateRepo,
} from "./git-clone.js";
export {
  DEFAULT_INSTALL_TIMEOUT_MS,
  type InstallOptions,
  type InstallPlan,
  installDependencies,
  parseCommandLine,
  planInstall,
} from "./install-dependencies.js";
export { type CommandOptions, type CommandResult, type CommandRunner, runCommand } from "./run-command.js";
export {
  DEFAULT_CONFIG_FILE,
  type RepoRunStep,
  type RunFromRepoOptions,
  type RunOverrides,
  runFromRepo,
} from "./run-from-repo.js";
export {
  type InitOptions,
  type InitResult,
  initProject,
  SCAFFOLD_FILES,
  scaffoldConfig,
  scaffoldScenario,
} from "./scaffold.js";
export { createWorkDirectory, type WorkDirectory, type WorkDirectoryOptions } from "./work-directory.js";
