// The scripts sizer sends to a node, run by a real `sh` with a stand-in `docker` that writes its
// arguments one per line: hostile values must arrive as single arguments, verbatim.
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { imageScript, startServiceScript, stopServiceScript } from "../src/aws/node-scripts.js";
import { temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

const HOSTILE = `it's $(touch pwned) \`touch pwned\` \${HOME}; rm -rf / && *\nnext "line" é`;

function runWithStandIn(script: string): string[] {
  const bin = join(folder.path, "bin");
  execFileSync("mkdir", ["-p", bin]);
  const calls = join(folder.path, "docker-calls");
  writeFileSync(calls, "");
  // `docker image inspect` fails (the image is missing), anything else records its arguments.
  writeFileSync(
    join(bin, "docker"),
    `#!/bin/sh\n[ "$1" = image ] && exit 1\nfor argument in "$@"; do printf '%s\\0' "$argument" >> ${JSON.stringify(calls)}; done\nprintf '\\n\\0' >> ${JSON.stringify(calls)}\n`,
  );
  chmodSync(join(bin, "docker"), 0o755);
  execFileSync("sh", ["-c", script], {
    cwd: folder.path,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: folder.path },
    stdio: "ignore",
  });
  return readFileSync(calls, "utf8").split("\0");
}

it("passes a hostile image name to docker pull as one argument, verbatim", () => {
  const calls = runWithStandIn(imageScript({ kind: "registry", image: HOSTILE }));
  expect(calls.slice(0, 2)).toEqual(["pull", HOSTILE]);
  expect(() => readFileSync(join(folder.path, "pwned"))).toThrow();
});

it("passes hostile image, name and environment values to docker run as single arguments", () => {
  const calls = runWithStandIn(
    startServiceScript({
      name: "sizer-i-0abc",
      image: HOSTILE,
      port: 8080,
      runId: "run 'quoted'",
      env: { GREETING: HOSTILE },
      cpus: [0, 1, 3],
      intervalSeconds: 1,
    }),
  );
  const run = calls.slice(calls.indexOf("run"));
  expect(run).toContain(HOSTILE);
  expect(run).toContain(`GREETING=${HOSTILE}`);
  expect(run).toContain("io.sizer.aws-run=run 'quoted'");
  expect(run).toContain("PORT=8080");
  expect(run.slice(run.indexOf("--cpuset-cpus"), run.indexOf("--cpuset-cpus") + 2)).toEqual([
    "--cpuset-cpus",
    "0-1,3",
  ]);
  expect(() => readFileSync(join(folder.path, "pwned"))).toThrow();
});

it("removes the service's container even when the engine fails the first removal", () => {
  const bin = join(folder.path, "bin-flaky");
  execFileSync("mkdir", ["-p", bin, join(folder.path, "sizer-aws")]);
  const present = join(folder.path, "container-present");
  const removals = join(folder.path, "removals");
  writeFileSync(present, "");
  writeFileSync(removals, "");
  // `inspect` succeeds while the container is there; the first `rm -f` fails and leaves it, as a busy
  // engine's can; the second removes it
  writeFileSync(
    join(bin, "docker"),
    [
      "#!/bin/sh",
      `present=${JSON.stringify(present)}; removals=${JSON.stringify(removals)}`,
      'case "$1" in',
      '  inspect) [ -f "$present" ] && echo "running 0"; [ -f "$present" ] ;;',
      '  rm) echo x >> "$removals"; [ "$(wc -l < "$removals")" -ge 2 ] && rm -f "$present"; [ ! -f "$present" ] ;;',
      "  *) exit 0 ;;",
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "docker"), 0o755);
  execFileSync("sh", ["-c", stopServiceScript(HOSTILE)], {
    cwd: folder.path,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: folder.path },
    stdio: "ignore",
  });
  expect(readFileSync(removals, "utf8").split("\n").filter(Boolean)).toHaveLength(2);
  expect(() => readFileSync(present)).toThrow();
});
