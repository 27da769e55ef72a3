// Builds a Docker image for a Node.js service without any registry: the image is assembled
// `FROM scratch` from this machine's own `node` binary and the shared libraries it links, plus the
// service's folder. The tag carries a hash of everything that goes in, so an unchanged image is
// built once and then reused (by the tests, once per test run at most).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";

/** The shared libraries a binary needs, as `ldd` lists them (absolute paths). */
function linkedLibraries(binary) {
  const result = spawnSync("ldd", [binary], { encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`ldd ${binary} failed: ${result.stderr.trim() || `exit ${result.status}`}`);
  return result.stdout
    .split("\n")
    .map((line) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((path) => path !== undefined);
}

function filesUnder(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/**
 * Builds (or reuses) an image that runs `node <entry>` from `serviceFolder`, copied to /app.
 * @param {{ serviceFolder: string, entry: string, name: string, env?: Record<string, string>, docker?: string }} options
 * @returns {{ image: string, built: boolean }}
 */
export function buildNodeImage(options) {
  const docker = options.docker ?? "docker";
  const node = realpathSync(process.execPath);
  const libraries = linkedLibraries(node);
  const serviceFiles = filesUnder(options.serviceFolder).filter((file) => !file.includes("/node_modules/"));
  const dockerfile = [
    "FROM scratch",
    "COPY rootfs/ /",
    ...Object.entries(options.env ?? {}).map(([key, value]) => `ENV ${key}=${JSON.stringify(value)}`),
    "WORKDIR /app",
    `ENTRYPOINT ["/usr/local/bin/node", ${JSON.stringify(`/app/${options.entry}`)}]`,
    "",
  ].join("\n");
  const hash = createHash("sha256").update(dockerfile);
  for (const file of [node, ...libraries, ...serviceFiles]) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${file}\0${size}\0`);
    // The service's own files by content; the runtime's by size and time (100 MB of node is slow to hash).
    if (serviceFiles.includes(file)) hash.update(readFileSync(file));
    else hash.update(String(mtimeMs));
  }
  const image = `${options.name}:${hash.digest("hex").slice(0, 16)}`;
  if (spawnSync(docker, ["image", "inspect", image], { stdio: "ignore" }).status === 0)
    return { image, built: false };

  const context = mkdtempSync(join(tmpdir(), "sizer-node-image-"));
  try {
    const rootfs = join(context, "rootfs");
    for (const file of [node, ...libraries]) {
      const target = file === node ? join(rootfs, "usr", "local", "bin", "node") : join(rootfs, file);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(realpathSync(file), target);
    }
    for (const file of serviceFiles) {
      const target = join(rootfs, "app", relative(options.serviceFolder, file));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(file, target);
    }
    mkdirSync(join(rootfs, "tmp"), { recursive: true });
    writeFileSync(join(context, "Dockerfile"), dockerfile);
    const build = spawnSync(docker, ["build", "--quiet", "--tag", image, context], { encoding: "utf8" });
    if (build.status !== 0)
      throw new Error(`docker build of ${image} failed: ${(build.stderr || build.stdout).trim()}`);
    return { image, built: true };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
