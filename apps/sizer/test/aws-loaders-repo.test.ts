// `sizer aws run --loaders N --repo R --test T` against aws-fake: each loader node runs the test of a
// real Git repository through moloslave (cloned on the node, which is this machine for the fake), with
// its share of the workers, under the same global stop and exact merge as an uploaded scenario.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAwsFake } from "@sizer/aws-fake";
import { readResults } from "@sizer/loadcore";
import { freePort } from "@sizer/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { parseAwsRunArguments } from "../src/aws/aws-arguments.js";
import {
  awsRunArguments,
  containersOf,
  demoServiceOnFake,
  fakeEnvironment,
  smallSizing,
} from "./aws-fake-environment.js";
import { runCli } from "./cli-run.js";
import { demoServiceDir, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

/** moloslave as built in this repository, run by the loaders (a real node would use npx). */
const MOLOSLAVE = `${process.execPath} ${fileURLToPath(new URL("../../../packages/moloslave/dist/cli.js", import.meta.url))}`;

/** A Git repository holding the demo's scenario and a molotov.json whose test `size` runs it. */
function demoRepository(): string {
  const repository = join(folder.path, "load-tests");
  mkdirSync(repository, { recursive: true });
  copyFileSync(join(demoServiceDir, "loadtest.ts"), join(repository, "loadtest.ts"));
  writeFileSync(
    join(repository, "molotov.json"),
    JSON.stringify({ molotov: { tests: { size: { scenario: "loadtest.ts", duration: 600 } } } }),
  );
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repository, stdio: "ignore" });
  git("init", "--quiet", "--initial-branch=main");
  git("add", ".");
  git(
    "-c",
    "user.name=sizer",
    "-c",
    "user.email=sizer@example.invalid",
    "commit",
    "--quiet",
    "-m",
    "load tests",
  );
  return repository;
}

describe("sizer aws run --loaders with --repo/--test", () => {
  it("defaults the loader command to moloslave for a repository's test", () => {
    const parsed = parseAwsRunArguments(
      [
        "--image",
        "example/service:1",
        "--port",
        "8080",
        "--instance-types",
        "t3.micro",
        "--repo",
        "https://example.invalid/load-tests.git",
        "--test",
        "size",
        "--loaders",
        "2",
        "--yes",
      ],
      { cwd: process.cwd(), now: new Date() },
    );
    expect(parsed.help).toBe(false);
    if (parsed.help) return;
    expect(parsed.options.loaders).toEqual({
      count: 2,
      instanceType: "c6i.large",
      command: "npx -y @sizer/moloslave",
      startMarginSeconds: 10,
    });
  });

  it("each loader clones the repository and runs its test with its share; results merged", {
    timeout: 600_000,
  }, async () => {
    const service = demoServiceOnFake();
    const fake = await startAwsFake({ publicIpAddress: "127.0.0.1", ...service.fakeOptions });
    try {
      const out = join(folder.path, "repo-loaders");
      const repository = demoRepository();
      const started = Date.now();
      const outcome = await runCli(
        awsRunArguments({
          service: ["--image", service.image, "--port", String(await freePort())],
          types: "t3.micro",
          flags: [
            ...["--loaders", "2", "--loader-command", MOLOSLAVE, "--loader-start-margin", "2"],
            ...["--repo", repository, "--test", "size", ...smallSizing(6, 6, 12, 3), "-q"],
          ],
          out,
        }),
        { env: fakeEnvironment(fake), timeoutMs: 540_000 },
      );
      process.stderr.write(
        `sizer aws run --loaders 2 --repo on the fake: ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      expect(outcome.code, outcome.stderr).toBe(0);
      // nothing uploaded: each loader cloned the repository itself
      expect(outcome.stderr.match(/\[aws\] loaders i-\w+: agent online\n/g)).toHaveLength(2);
      expect(outcome.stderr).not.toContain("scenario uploaded");
      const loaderFolders = [...fake.fleet.instances.values()]
        .filter((instance) => instance.tags.get("sizer:role") === "loader")
        .map((instance) => join(instance.directory, "sizer-aws", "load"));
      expect(loaderFolders).toHaveLength(2);
      for (const loaderFolder of loaderFolders) {
        expect(readdirSync(loaderFolder)).not.toContain("scenario.ts");
        // moloslave wrote the results and the live record where the loader's script runs
        expect(existsSync(join(loaderFolder, "results.json"))).toBe(true);
        expect(existsSync(join(loaderFolder, "live.ndjson"))).toBe(true);
        const own = readResults(readFileSync(join(loaderFolder, "results.json"), "utf8"), "results.json");
        expect(own.command.slice(-2)).toEqual([repository, "size"]);
      }
      const results = readResults(
        readFileSync(join(out, "t3.micro", "results.json"), "utf8"),
        "results.json",
      );
      expect(results.loaders).toHaveLength(2);
      expect(results.requests).toBe(results.loaders?.reduce((total, loader) => total + loader.requests, 0));
      expect(results.requests).toBeGreaterThan(0);
      expect(results.options.totalWorkers).toBe(6);
      expect(results.sizing?.message).toContain("merged over 2 of 2 loaders");
      expect(existsSync(join(out, "t3.micro", "report.html"))).toBe(true);
      expect(existsSync(join(out, "comparison.json"))).toBe(true);
      // --terminate: loaders and service node gone, no container of the run left
      const left = [...fake.fleet.instances.values()].filter(
        (instance) => instance.state !== "terminated" && instance.state !== "shutting-down",
      );
      expect(left.map((instance) => instance.instanceId)).toEqual([]);
      const runId = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8")).runId;
      expect(containersOf(fake, runId)).toBe("");
    } finally {
      await fake.close();
    }
  });
});
