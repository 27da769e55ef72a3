import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { installDependencies, parseCommandLine, planInstall } from "../src/install-dependencies.js";
import { makeTemporaryDirectory, removeAll, writeFiles } from "./helpers/git-repository.js";
import { repositoryWithDependency, repositoryWithPnpmLockfile } from "./helpers/repositories.js";

afterEach(removeAll);

const withDependency = JSON.stringify({ name: "x", version: "1.0.0", dependencies: { a: "1.0.0" } });

describe("planInstall", () => {
  it("installs nothing without a package.json or without dependencies", async () => {
    expect(await planInstall({ directory: makeTemporaryDirectory() })).toBeUndefined();
    const noDependencies = makeTemporaryDirectory();
    writeFiles(noDependencies, { "package.json": JSON.stringify({ name: "x", dependencies: {} }) });
    expect(await planInstall({ directory: noDependencies })).toBeUndefined();
  });

  it("follows the lockfile", async () => {
    const cases: Array<[string, string[]]> = [
      ["pnpm-lock.yaml", ["pnpm", "install", "--frozen-lockfile"]],
      ["yarn.lock", ["yarn", "install", "--frozen-lockfile"]],
      ["package-lock.json", ["npm", "ci", "--no-audit", "--no-fund"]],
      ["npm-shrinkwrap.json", ["npm", "ci", "--no-audit", "--no-fund"]],
    ];
    for (const [lockfile, expected] of cases) {
      const directory = makeTemporaryDirectory();
      writeFiles(directory, { "package.json": withDependency, [lockfile]: "" });
      const plan = await planInstall({ directory });
      expect(plan && [plan.command, ...plan.args]).toEqual(expected);
      expect(plan?.reason).toBe(lockfile);
    }
    const noLockfile = makeTemporaryDirectory();
    writeFiles(noLockfile, { "package.json": withDependency });
    expect(await planInstall({ directory: noLockfile })).toMatchObject({
      command: "npm",
      args: ["install", "--no-audit", "--no-fund"],
    });
  });

  it("runs the config's requirements instead, split without a shell", async () => {
    const directory = makeTemporaryDirectory();
    writeFiles(directory, { "package.json": withDependency, "package-lock.json": "{}" });
    expect(await planInstall({ directory, requirements: "pnpm install --filter 'load test'" })).toEqual({
      command: "pnpm",
      args: ["install", "--filter", "load test"],
      reason: "requirements",
    });
    expect(await planInstall({ directory, requirements: ["npm", "ci"] })).toMatchObject({
      command: "npm",
      args: ["ci"],
    });
  });

  it("says which package.json is broken", async () => {
    const directory = makeTemporaryDirectory();
    writeFiles(directory, { "package.json": "{ not json" });
    await expect(planInstall({ directory })).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_INSTALL_FAILED",
      message: expect.stringContaining("package.json"),
    });
  });
});

describe("parseCommandLine", () => {
  it("splits words and honours quotes and backslashes", () => {
    expect(parseCommandLine(`npm  ci --prefix "a b" 'c d' e\\ f ""`)).toEqual([
      "npm",
      "ci",
      "--prefix",
      "a b",
      "c d",
      "e f",
      "",
    ]);
    expect(parseCommandLine(`node -e "console.log(1)"`)).toEqual(["node", "-e", "console.log(1)"]);
  });

  it("refuses what needs a shell", () => {
    for (const line of [
      "npm ci; rm -rf /",
      "npm ci | tee x",
      "npm ci && x",
      "echo $(id)",
      "echo `id`",
      'echo "$HOME"',
      "npm ci > out",
      "npm install ./*.tgz",
      "NODE_ENV=production npm ci",
      "npm ci # and then",
    ]) {
      expect(() => parseCommandLine(line), line).toThrow(/needs a shell/);
    }
    expect(() => parseCommandLine("npm 'ci")).toThrow(/not closed/);
    expect(() => parseCommandLine("   ")).toThrow(/names no command/);
  });
});

describe("installDependencies", () => {
  it("runs npm ci from the lockfile, offline, for a file: dependency", async () => {
    const directory = makeTemporaryDirectory();
    writeFiles(directory, repositoryWithDependency());
    let output = "";
    const plan = await installDependencies({ directory, onOutput: (chunk) => (output += chunk) });
    expect(plan).toMatchObject({
      command: "npm",
      args: ["ci", "--no-audit", "--no-fund"],
      reason: "package-lock.json",
    });
    expect(readFileSync(join(directory, "node_modules", "left-pad-local", "index.js"), "utf8")).toContain(
      "leftPad",
    );
    expect(output).toContain("added 1 package");
  });

  it("runs pnpm install --frozen-lockfile for a pnpm lockfile, offline", async () => {
    const directory = makeTemporaryDirectory();
    writeFiles(directory, repositoryWithPnpmLockfile());
    const plan = await installDependencies({ directory });
    expect(plan).toMatchObject({
      command: "pnpm",
      args: ["install", "--frozen-lockfile"],
      reason: "pnpm-lock.yaml",
    });
    expect(readFileSync(join(directory, "node_modules", "left-pad-local", "index.js"), "utf8")).toContain(
      "leftPad",
    );
  });

  it("refuses to install when the lockfile does not match package.json", async () => {
    const directory = makeTemporaryDirectory();
    const files = repositoryWithDependency();
    const manifest = JSON.parse(files["package.json"] as string);
    manifest.dependencies["another-local"] = "file:./vendor/another-local";
    writeFiles(directory, { ...files, "package.json": JSON.stringify(manifest) });
    await expect(installDependencies({ directory })).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_INSTALL_FAILED",
      message: expect.stringContaining("npm ci --no-audit --no-fund failed"),
    });
    expect(existsSync(join(directory, "node_modules", "another-local"))).toBe(false);
  });

  it("reports a failing install with its exit code and output", async () => {
    const directory = makeTemporaryDirectory();
    await expect(
      installDependencies({
        directory,
        requirements: `node -e "console.error('registry down'); process.exit(3)"`,
      }),
    ).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_INSTALL_FAILED",
      message: expect.stringMatching(/exit 3[\s\S]*registry down/),
    });
  });

  it("stops an install that passes its deadline", async () => {
    const directory = makeTemporaryDirectory();
    await expect(
      installDependencies({
        directory,
        requirements: `node -e "setInterval(() => {}, 1000)"`,
        timeoutMs: 300,
      }),
    ).rejects.toMatchObject({ code: "ERR_MOLOSLAVE_INSTALL_TIMEOUT" });
  });

  it("stops the installer and what it started when aborted", async () => {
    const directory = makeTemporaryDirectory();
    const marker = join(directory, "grandchild-still-running");
    const controller = new AbortController();
    // The installer starts a grandchild that would write a file a while later, unless it is killed too.
    const grandchild = `setTimeout(() => require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x"), 1500)`;
    const script = `const { spawn } = require("node:child_process");
spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { stdio: "inherit" });
console.log("started");
setInterval(() => {}, 1000);`;
    writeFiles(directory, { "install.cjs": script });
    const installing = installDependencies({
      directory,
      requirements: ["node", "install.cjs"],
      signal: controller.signal,
      onOutput: (chunk) => {
        if (chunk.includes("started")) controller.abort();
      },
    });
    await expect(installing).rejects.toMatchObject({ code: "ERR_MOLOSLAVE_ABORTED" });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(existsSync(marker)).toBe(false);
  });

  it("says when the installer is not installed", async () => {
    await expect(
      installDependencies({
        directory: makeTemporaryDirectory(),
        requirements: "no-such-package-manager-xyz install",
      }),
    ).rejects.toMatchObject({
      code: "ERR_MOLOSLAVE_INSTALLER_NOT_FOUND",
      message: expect.stringContaining("no-such-package-manager-xyz"),
    });
  });
});
