import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Options of {@link createWorkDirectory}. */
export interface WorkDirectoryOptions {
  /** A folder chosen by the user (`--directory`): used as is and always kept. */
  directory?: string;
  /** Keep the temporary folder after the run (`--keep`). */
  keep?: boolean;
  /** Where temporary folders are made. Default: `os.tmpdir()`. */
  temporaryRoot?: string;
}

/** The folder a repository is cloned into, and how it goes away. */
export interface WorkDirectory {
  /** Absolute path of the folder. */
  readonly path: string;
  /** True when moloslave made the folder (no `--directory`). */
  readonly temporary: boolean;
  /** True when {@link WorkDirectory.release} leaves the folder in place. */
  readonly kept: boolean;
  /** Removes the folder unless it is kept; safe to call more than once. */
  release(): Promise<void>;
}

/**
 * Gives the folder to clone into: the user's `--directory` (kept), or a new temporary folder
 * `moloslave-XXXXXX` that {@link WorkDirectory.release} removes unless `keep` is set.
 */
export async function createWorkDirectory(options: WorkDirectoryOptions = {}): Promise<WorkDirectory> {
  if (options.directory !== undefined) {
    const path = resolve(options.directory);
    return { path, temporary: false, kept: true, release: async () => {} };
  }
  const path = await mkdtemp(join(options.temporaryRoot ?? tmpdir(), "moloslave-"));
  const kept = options.keep === true;
  let released = false;
  return {
    path,
    temporary: true,
    kept,
    release: async () => {
      if (kept || released) return;
      released = true;
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
