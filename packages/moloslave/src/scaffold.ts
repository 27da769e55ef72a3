import { lstat, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { FileExistsError, UsageError } from "./errors.js";

/** Options of {@link initProject}. */
export interface InitOptions {
  /** The project folder; made when missing. Default: the current directory. */
  directory?: string;
  /** The URL the generated scenario targets when `SERVER_URL` is not set. Default: `http://127.0.0.1:8080`. */
  serverUrl?: string;
}

/** What {@link initProject} wrote. */
export interface InitResult {
  /** Absolute paths of the files written, in order. */
  files: string[];
}

/** The files `moloslave init` writes. */
export const SCAFFOLD_FILES = ["molotov.json", "loadtest.ts"] as const;

/** The `molotov.json` of a new project: Molotov's quickstart tests `smoke`, `small` and `big`. */
export function scaffoldConfig(serverUrl: string): string {
  const config = {
    molotov: {
      env: { SERVER_URL: serverUrl },
      tests: {
        smoke: { scenario: "loadtest.ts", single_run: true, exception: true },
        small: { scenario: "loadtest.ts", duration: 60, workers: 10 },
        big: { scenario: "loadtest.ts", duration: 60, processes: 2, workers: 100, ramp_up: 10 },
      },
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The `loadtest.ts` of a new project: two weighted scenarios against `SERVER_URL`, to adapt to the service. */
export function scaffoldScenario(serverUrl: string): string {
  return `import { scenario } from "@sizer/loadcore";

// molotov.json sets SERVER_URL for every test (its top-level "env").
const SERVER_URL = process.env.SERVER_URL ?? ${JSON.stringify(serverUrl)};

scenario({ weight: 80 }, async function home(session) {
  await session.get(\`\${SERVER_URL}/\`, { expect: 200 });
});

// Another journey, to adapt to your service: a POST with a JSON body.
scenario({ weight: 20 }, async function createItem(session) {
  await session.post(\`\${SERVER_URL}/items\`, { json: { name: "load test" }, expect: [200, 201] });
});
`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * Writes `molotov.json` and `loadtest.ts` for a new project, as Molotov's `molostart`.
 * Never overwrites: when either file exists, writes nothing and throws {@link FileExistsError}.
 */
export async function initProject(options: InitOptions = {}): Promise<InitResult> {
  const directory = resolve(options.directory ?? ".");
  const serverUrl = options.serverUrl ?? "http://127.0.0.1:8080";
  const contents: Record<(typeof SCAFFOLD_FILES)[number], string> = {
    "molotov.json": scaffoldConfig(serverUrl),
    "loadtest.ts": scaffoldScenario(serverUrl),
  };
  const folder = await lstat(directory).catch(() => undefined);
  if (folder !== undefined && !folder.isDirectory()) {
    throw new UsageError(`${directory} is not a folder: moloslave init writes its files into a folder`);
  }
  for (const name of SCAFFOLD_FILES) {
    const path = join(directory, name);
    if (await exists(path)) throw new FileExistsError(path);
  }
  await mkdir(directory, { recursive: true });
  const files: string[] = [];
  for (const name of SCAFFOLD_FILES) {
    const path = join(directory, name);
    try {
      // "wx": a file that appeared since the check is still never overwritten
      await writeFile(path, contents[name], { flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new FileExistsError(path);
      throw error;
    }
    files.push(path);
  }
  return { files };
}
