// What a user of a published package gets: each publishable package of the workspace is packed as
// pnpm publishes it (workspace: ranges replaced by versions), checked with publint, installed from
// its tarball in an empty folder (with the tarballs of the @sizer packages it needs at run time,
// the rest from the registry) and its bin is run.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const publishable = ["packages", "apps"]
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .map((directory) => ({
    directory,
    manifest: JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as Manifest,
  }))
  .filter(({ manifest }) => manifest.private !== true);

const work = mkdtempSync(join(tmpdir(), "sizer-packed-"));
const tarballs = new Map<string, string>();
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  const destination = join(work, "tarballs");
  mkdirSync(destination);
  for (const { directory, manifest } of publishable) {
    const output = execFileSync(
      join(root, "node_modules", ".bin", "pnpm"),
      ["pack", "--pack-destination", destination, "--json"],
      { cwd: directory, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const packed = JSON.parse(output) as { filename: string };
    tarballs.set(manifest.name, packed.filename);
  }
}, 120_000);

/** The @sizer packages a package needs at run time, itself included, transitively. */
function withInternalDependencies(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const manifest = publishable.find((candidate) => candidate.manifest.name === name)?.manifest;
  for (const dependency of Object.keys(manifest?.dependencies ?? {})) {
    if (dependency.startsWith("@sizer/")) withInternalDependencies(dependency, seen);
  }
  return seen;
}

describe("the packed packages", () => {
  it("are the publishable packages of the workspace", () => {
    expect(publishable.map(({ manifest }) => manifest.name).sort()).toEqual([
      "@sizer/aws-fake",
      "@sizer/cli",
      "@sizer/glances-collector",
      "@sizer/loadcore",
      "@sizer/moloslave",
      "@sizer/process-kit",
      "@sizer/report",
      "@sizer/ssm-client",
    ]);
  });

  for (const { directory, manifest } of publishable) {
    it(`${manifest.name}: publint finds nothing to fix`, async () => {
      const { messages, pkg } = await publint({ pkgDir: directory, level: "suggestion", pack: "pnpm" });
      const lines = messages.map(
        (message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`,
      );
      expect(lines).toEqual([]);
    });

    it(`${manifest.name}: installs from its tarball in an empty folder, and its bin runs`, {
      timeout: 180_000,
    }, () => {
      const project = join(work, manifest.name.replace("/", "-"));
      mkdirSync(project);
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true }));
      const needed = [...withInternalDependencies(manifest.name)].map((name) => tarballs.get(name) as string);
      execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...needed], {
        cwd: project,
        stdio: ["ignore", "pipe", "pipe"],
      });
      for (const bin of Object.keys(manifest.bin ?? {})) {
        const help = execFileSync(join(project, "node_modules", ".bin", bin), ["--help"], {
          cwd: project,
          encoding: "utf8",
        });
        expect(help).toMatch(/usage/i);
      }
      const imported = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(manifest.name)}); console.log(Object.keys(m).length)`,
        ],
        { cwd: project, encoding: "utf8" },
      );
      expect(Number(imported.trim())).toBeGreaterThan(0);
    });
  }
});
