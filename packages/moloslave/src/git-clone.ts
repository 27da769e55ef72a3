import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AbortedError, DirectoryNotEmptyError, GitError, UnsafeArgumentError, UsageError } from "./errors.js";
import { type CommandResult, type CommandRunner, runCommand } from "./run-command.js";

/** Options of {@link cloneRepository}. */
export interface CloneOptions {
  /** An https, http, ssh, git or file URL, an scp-like `user@host:path`, or a local path. */
  repo: string;
  /** Where to clone: a folder that does not exist yet or is empty. */
  directory: string;
  /** A branch, a tag or a commit; the remote's default branch when absent. */
  ref?: string;
  /** Deadline of each git command, in milliseconds. Default: 120 000. */
  timeoutMs?: number;
  /** Stops git when it aborts. */
  signal?: AbortSignal;
  /** Runs git. Default: {@link runCommand}. */
  runner?: CommandRunner;
  /** The git executable. Default: `git` from the PATH. */
  git?: string;
  /** The environment git starts from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** What {@link cloneRepository} checked out. */
export interface CloneResult {
  directory: string;
  /** The full SHA-1 of the checked-out commit. */
  commit: string;
  /** True when only the last commit was fetched (`--depth 1`; git ignores it for plain local paths). */
  shallow: boolean;
}

/** Default deadline of each git command. */
export const DEFAULT_CLONE_TIMEOUT_MS = 120_000;

const ALLOWED_SCHEMES = new Set(["https", "http", "ssh", "git", "file", "git+ssh", "ssh+git"]);
/** Transports git may use: never `ext` (runs a command) nor other remote helpers. */
const ALLOWED_PROTOCOLS = "file:git:http:https:ssh";
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const COMMIT_LIKE = /^[0-9a-f]{4,40}$/i;

/**
 * Refuses a repository argument git could read as an option, a remote helper (`ext::sh -c …`),
 * an unknown URL scheme or a value with control characters. Throws {@link UnsafeArgumentError}.
 */
export function validateRepo(repo: string): void {
  if (repo.trim() === "") throw new UsageError("repo is empty: give an https or ssh URL or a local path");
  if (repo.startsWith("-"))
    throw new UnsafeArgumentError("repo", repo, "it starts with '-' and git would read it as an option");
  if (CONTROL_CHARACTERS.test(repo))
    throw new UnsafeArgumentError("repo", repo, "it contains control characters");
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(repo)) {
    throw new UnsafeArgumentError("repo", repo, "git remote helpers (transport::address) are not allowed");
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(repo)?.[1]?.toLowerCase();
  if (scheme !== undefined && !ALLOWED_SCHEMES.has(scheme)) {
    throw new UnsafeArgumentError(
      "repo",
      repo,
      `the URL scheme ${scheme}:// is not supported (use https, http, ssh, git or file)`,
    );
  }
}

/**
 * Refuses a `--ref` git could read as an option or that no branch, tag or commit can be named.
 * Throws {@link UnsafeArgumentError}.
 */
export function validateRef(ref: string): void {
  if (ref === "") throw new UsageError("--ref is empty: give a branch, a tag or a commit");
  if (ref.startsWith("-"))
    throw new UnsafeArgumentError("--ref", ref, "it starts with '-' and git would read it as an option");
  if (
    CONTROL_CHARACTERS.test(ref) ||
    /[\s~^:?*[\\]|\.\.|@\{/.test(ref) ||
    ref.endsWith(".lock") ||
    ref.endsWith("/")
  ) {
    throw new UnsafeArgumentError("--ref", ref, "it is not a valid branch, tag or commit name");
  }
}

/** A repository URL without the credentials it may carry (`https://user:token@host/...`), for messages. */
export function redactRepo(repo: string): string {
  return repo.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, "$1***@");
}

/** The environment git runs with: never prompts, only safe transports, messages in English. */
export function gitEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    ...base,
    GIT_TERMINAL_PROMPT: "0",
    GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS,
    LC_ALL: "C",
  };
  if (environment.GIT_SSH_COMMAND === undefined && environment.GIT_SSH === undefined) {
    environment.GIT_SSH_COMMAND = "ssh -o BatchMode=yes";
  }
  return environment;
}

async function assertEmptyOrMissing(directory: string): Promise<void> {
  try {
    const entries = await readdir(directory);
    if (entries.length > 0) throw new DirectoryNotEmptyError(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
}

async function emptyDirectory(directory: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  await Promise.all(entries.map((entry) => rm(join(directory, entry), { recursive: true, force: true })));
}

/** The folder a local repository argument names (a path or a file:// URL), undefined for a remote. */
function localPath(repo: string): string | undefined {
  if (/^file:\/\//i.test(repo)) {
    try {
      return fileURLToPath(repo);
    } catch {
      return undefined;
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(repo)) return undefined;
  // git reads `host:path` as scp-like ssh when no slash comes before the colon
  const colon = repo.indexOf(":");
  if (colon > 0 && !repo.slice(0, colon).includes("/")) return undefined;
  return repo;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function lastLines(text: string, count = 10): string {
  return text.trim().split("\n").slice(-count).join("\n");
}

/** Git for one clone: each command with its deadline, messages with the repository's credentials hidden. */
interface CloneGit {
  run: (args: string[], step: string) => Promise<CommandResult>;
  failure: (step: string, args: string[], result: CommandResult) => GitError;
  /** The repository as messages show it. */
  shownRepo: string;
  redact: (text: string) => string;
}

function cloneGit(options: CloneOptions): CloneGit {
  const runner = options.runner ?? runCommand;
  const gitExecutable = options.git ?? "git";
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLONE_TIMEOUT_MS;
  const environment = gitEnvironment(options.env);
  const shownRepo = redactRepo(options.repo);
  const redact = (text: string) =>
    shownRepo === options.repo ? text : text.split(options.repo).join(shownRepo);

  const run = async (args: string[], step: string): Promise<CommandResult> => {
    let result: CommandResult;
    try {
      result = await runner(gitExecutable, args, { env: environment, timeoutMs, signal: options.signal });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new GitError(
          "ERR_MOLOSLAVE_GIT_NOT_FOUND",
          `git is not installed (could not run ${gitExecutable})`,
          {
            args,
            cause: error,
          },
        );
      }
      throw new GitError("ERR_MOLOSLAVE_GIT_FAILED", `could not run git: ${(error as Error).message}`, {
        args,
        cause: error,
      });
    }
    if (result.aborted) throw new AbortedError(step);
    if (result.timedOut) {
      throw new GitError(
        "ERR_MOLOSLAVE_GIT_TIMEOUT",
        `${step} of ${shownRepo} did not finish within ${timeoutMs / 1000} s (clone timeout)`,
        { args, stderr: redact(result.stderr) },
      );
    }
    return result;
  };
  const failure = (step: string, args: string[], result: CommandResult) =>
    new GitError(
      "ERR_MOLOSLAVE_GIT_FAILED",
      `${step} of ${shownRepo} failed (exit ${result.exitCode ?? result.signal}): ${redact(lastLines(result.stderr)) || "no message from git"}`,
      { args, stderr: redact(result.stderr) },
    );
  return { run, failure, shownRepo, redact };
}

/**
 * After a failed shallow clone: says why (not a repository, no such branch or tag, git's own message),
 * or, when `ref` may name a commit, clones the whole history and checks the commit out.
 */
async function cloneCommitOrExplain(
  options: CloneOptions,
  git: CloneGit,
  shallowArgs: string[],
  shallow: CommandResult,
): Promise<void> {
  const { shownRepo, redact } = git;
  const refMissing =
    options.ref !== undefined && /Remote branch .* not found|couldn't find remote ref/i.test(shallow.stderr);
  if (!refMissing) {
    const folder = localPath(options.repo);
    if (
      folder !== undefined &&
      /repository .* does not exist|not a git repository/i.test(shallow.stderr) &&
      (await isFolder(folder))
    ) {
      throw new GitError("ERR_MOLOSLAVE_GIT_FAILED", `${shownRepo} is not a git repository`, {
        args: shallowArgs,
        stderr: redact(shallow.stderr),
      });
    }
    throw git.failure("git clone", shallowArgs, shallow);
  }
  const ref = options.ref as string;
  if (!COMMIT_LIKE.test(ref)) {
    throw new GitError(
      "ERR_MOLOSLAVE_REF_NOT_FOUND",
      `--ref ${ref} is neither a branch nor a tag of ${shownRepo}`,
      { args: shallowArgs, stderr: shallow.stderr },
    );
  }
  // A commit cannot be cloned by name: fetch the whole history, then check the commit out.
  await emptyDirectory(options.directory);
  const fullArgs = ["clone", "--no-checkout", "--", options.repo, options.directory];
  const full = await git.run(fullArgs, "git clone");
  if (full.exitCode !== 0) throw git.failure("git clone", fullArgs, full);
  const checkoutArgs = ["-C", options.directory, "checkout", "--quiet", "--detach", ref, "--"];
  const checkout = await git.run(checkoutArgs, "git checkout");
  if (checkout.exitCode !== 0) {
    throw new GitError(
      "ERR_MOLOSLAVE_REF_NOT_FOUND",
      `--ref ${ref} is neither a branch, a tag nor a commit of ${shownRepo}`,
      { args: checkoutArgs, stderr: checkout.stderr },
    );
  }
}

/**
 * Clones `repo` into `directory` without a shell: `git clone --depth 1 [--branch ref] -- repo directory`,
 * and for a commit that is not a branch or tag, a full clone followed by `git checkout --detach`.
 * Each git command has a deadline; git never prompts for credentials.
 */
export async function cloneRepository(options: CloneOptions): Promise<CloneResult> {
  validateRepo(options.repo);
  if (options.ref !== undefined) validateRef(options.ref);
  await assertEmptyOrMissing(options.directory);

  const git = cloneGit(options);
  const shallowArgs = [
    "clone",
    "--depth",
    "1",
    ...(options.ref !== undefined ? ["--branch", options.ref] : []),
  ];
  shallowArgs.push("--", options.repo, options.directory);
  const shallow = await git.run(shallowArgs, "git clone");
  if (shallow.exitCode !== 0) await cloneCommitOrExplain(options, git, shallowArgs, shallow);

  if (/cloned an empty repository/i.test(shallow.stderr)) {
    throw new GitError(
      "ERR_MOLOSLAVE_GIT_FAILED",
      `${git.shownRepo} is an empty repository: it has no commit to run`,
      {
        args: shallowArgs,
        stderr: git.redact(shallow.stderr),
      },
    );
  }

  const revParseArgs = ["-C", options.directory, "rev-parse", "--is-shallow-repository", "HEAD"];
  const revParse = await git.run(revParseArgs, "git rev-parse");
  if (revParse.exitCode !== 0) throw git.failure("git rev-parse", revParseArgs, revParse);
  const [shallowAnswer, commit] = revParse.stdout.trim().split("\n");
  return {
    directory: options.directory,
    commit: commit?.trim() ?? "",
    shallow: shallowAnswer?.trim() === "true",
  };
}
