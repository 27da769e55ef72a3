/**
 * The exit codes of the sizer commands (`loadcore`, `moloslave`, `sizer`, `sizer-ssm`), one table
 * for all, documented once in docs/exit-codes.md. A command maps its error codes and outcomes to
 * these names; a number means the same thing whichever command exits with it.
 */
export const EXIT_CODES = {
  /** The command did what it was asked (a sizing that found the capacity, or found it above the load applied). */
  done: 0,
  /** Failures crossed the run's threshold: `--fail N` reached, or `-x/--exception` stopped the run at a failure. */
  failThreshold: 1,
  /** Bad usage: an unknown flag, a missing or bad value; the message names the flag. */
  usage: 2,
  /** Nothing measured: no scenario run succeeded; or (sizer) the service could not be started or reached. */
  target: 3,
  /** (sizer) The service died during the run; a partial report was written. */
  serviceDied: 4,
  /** The scenario, its molotov.json or its repository cannot be used (missing, syntax error, no scenario, bad config, git or install failed). */
  scenario: 5,
  /** A file or folder cannot be read or written (a saved run, an input file, the OS refusing, a transfer to or from a node). */
  files: 6,
  /** The resources cannot be recorded (Glances missing or failing, the watched process gone, no permission). */
  resources: 7,
  /** A command run on a remote node ran and failed (it exited non-zero). */
  remoteFailed: 8,
  /** A command run on a remote node was cancelled by someone else (not by this command's own Ctrl-C). */
  remoteCancelled: 9,
  /** A deadline passed: the command's overall timeout, or the remote execution or delivery timeout. */
  deadline: 10,
  /** A remote node cannot be used: not found, not managed by SSM, its agent offline, no node has the tags. */
  nodeUnavailable: 11,
  /** The cloud refused the caller: no or bad credentials, a bad region, access denied. */
  cloudAccess: 12,
  /** The cloud has no room: no capacity for the instance type, or an account quota reached. */
  cloudCapacity: 13,
  /** Any other cloud error (throttled after retries, an invocation that never appeared, AWS's own words). */
  cloudError: 14,
  /** An internal error: a bug, please report it with the output. */
  internal: 70,
  /** Interrupted by Ctrl-C or SIGTERM (results, and sizer's partial report, still written). */
  interrupted: 130,
} as const;

/** A name of {@link EXIT_CODES}. */
export type ExitCodeName = keyof typeof EXIT_CODES;
