import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exitCodes } from "../src/exit-codes.js";
import { freePort } from "../src/free-port.js";
import { runCli } from "./cli-run.js";
import { alive, fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());
const hello = fixture("hello.ts");
const version = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

function noStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
}

describe("sizer CLI: usage", () => {
  it("prints its version and help", async () => {
    expect((await runCli(["--version"])).stdout.trim()).toBe(version);
    // -V as loadcore and moloslave; -v is Molotov's --verbose in 'sizer run'
    expect((await runCli(["-V"])).stdout.trim()).toBe(version);
    const help = await runCli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--service-cmd CMD");
    expect(help.stdout).toContain("Exit codes:");
  });

  it("shows what 'npm run demo' runs in 'sizer --help' and the READMEs", async () => {
    const text = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
    const script = text("../../../scripts/demo.mjs");
    const flags = ["--workers", "--ramp-up", "--sizing-window", "--duration"]
      .map((flag) => `${flag} ${new RegExp(`"${flag}",\\s*"(\\d+)"`).exec(script)?.[1]}`)
      .join(" ");
    expect(flags).toMatch(/^--workers \d+ --ramp-up \d+ --sizing-window \d+ --duration \d+$/);
    expect((await runCli(["--help"])).stdout).toContain(flags);
    expect(text("../README.md")).toContain(flags);
    expect(text("../../../examples/demo-service/README.md")).toContain(flags);
  });

  it("documents every exit code the same way in 'sizer run --help' and the one table of docs/", async () => {
    const help = (await runCli(["run", "--help"])).stdout;
    const table = readFileSync(new URL("../../../docs/exit-codes.md", import.meta.url), "utf8");
    for (const [name, code] of Object.entries(exitCodes)) {
      // 8 to 14 are those of commands on remote nodes and of the cloud: `sizer run` never exits so
      const remote = code >= 8 && code <= 14;
      if (!remote) expect(help, `exit code ${code} in --help`).toMatch(new RegExp(`[ ,\n]${code} [a-z'-]`));
      else expect(help, `exit code ${code} in --help`).not.toMatch(new RegExp(`[ ,\n]${code} [a-z'-]`));
      expect(table, `exit code ${code} in docs/exit-codes.md`).toMatch(
        new RegExp(`^\\| ${code} +\\| \`${name}\` +\\| `, "m"),
      );
    }
    expect(help).toContain("6 'sizer report DIR': no readable saved\nrun");
    expect(help).toContain("a non-empty or file --out");
  });

  it("exits 2 (bad usage), not 6, for an --out that is a file", async () => {
    const file = join(folder.path, "out-file");
    writeFileSync(file, "x");
    const outcome = await runCli(["run", "--service-cmd", "node x.js", "--scenario", hello, "--out", file]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(`sizer: --out ${file} exists and is not a folder\n`);
  });

  it("exits 2 with a message naming the flag, never a stack trace", async () => {
    const outcome = await runCli(
      ["run", "--service-cmd", "node x.js", "--scenario", hello, "--workers", "lots"],
      { cwd: folder.path },
    );
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe('sizer: --workers must be an integer >= 1, got "lots"\n');
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it("exits 2 for a load option out of loadcore's range before the service starts, and 5 for a missing scenario", async () => {
    const marker = join(folder.path, "service-started");
    const service = `${process.execPath} -e "require('node:fs').writeFileSync(process.argv[1], 'x')" ${marker}`;
    const outcome = await runCli(
      ["run", "--service-cmd", service, "--scenario", hello, "--sizing-tolerance", "100"],
      {
        cwd: folder.path,
      },
    );
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe("sizer: --sizing-tolerance must be a percentage in [0, 100), got 100\n");
    const missing = await runCli(["run", "--service-cmd", service, "--scenario", "missing.ts"], {
      cwd: folder.path,
    });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain("--scenario missing.ts: no such file");
    expect(() => readFileSync(marker)).toThrow();
  });

  it("exits 3 when --url does not answer", async () => {
    const port = await freePort();
    const outcome = await runCli([
      "run",
      "--url",
      `http://127.0.0.1:${port}/`,
      "--scenario",
      hello,
      "--ready-timeout",
      "1",
      "--out",
      join(folder.path, "unreachable"),
    ]);
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toMatch(
      new RegExp(`sizer: --url http://127.0.0.1:${port}/ is unreachable: .*ECONNREFUSED`),
    );
    noStack(outcome.stderr);
  });

  it("exits 3 when no Docker engine answers, and when the image is missing", async () => {
    const args = ["run", "--image", "sizer/no-such-image:1", "--port", "8080", "--scenario", hello];
    const noEngine = join(folder.path, "docker-no-engine");
    writeFileSync(
      noEngine,
      '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n',
    );
    chmodSync(noEngine, 0o755);
    const down = await runCli([...args, "--out", join(folder.path, "docker-down")], {
      env: { SIZER_DOCKER: noEngine },
    });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/sizer: --image needs a Docker engine, but none answers/);
    noStack(down.stderr);

    const docker = join(folder.path, "docker");
    writeFileSync(
      docker,
      '#!/bin/sh\ncase "$1" in\n  info) echo 28.2.2 ;;\n  image) exit 1 ;;\n  pull) echo "Error response from daemon: pull access denied for $2, repository does not exist" >&2; exit 1 ;;\n  *) exit 99 ;;\nesac\n',
    );
    chmodSync(docker, 0o755);
    const missing = await runCli([...args, "--out", join(folder.path, "docker-missing")], {
      env: { SIZER_DOCKER: docker },
    });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(
      "sizer: --image sizer/no-such-image:1: the image is not present and cannot be pulled (Error response from daemon: pull access denied",
    );
  });

  it("exits 3 with the service's own output when it crashes on start", async () => {
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("crash-on-start.mjs")}`,
      "--scenario",
      hello,
      "--out",
      join(folder.path, "crash"),
    ]);
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toContain("the service exited before it was ready (exit code 7)");
    expect(outcome.stderr).toContain("error: DATABASE_URL is not set");
    expect(readFileSync(join(folder.path, "crash", "service.log"), "utf8")).toContain(
      "DATABASE_URL is not set",
    );
  });

  it("exits 5 on a scenario with a syntax error, naming the file, and ends the service", async () => {
    const broken = join(folder.path, "broken.ts");
    writeFileSync(
      broken,
      'import { scenario } from "@sizer/loadcore";\n\nscenario(async (session) => {\n  await session.get(process.env.SERVER_URL ?? "";\n});\n',
    );
    const out = join(folder.path, "broken-run");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("capacity-server.mjs")}`,
      "--scenario",
      broken,
      "--out",
      out,
      "--quiet",
    ]);
    expect(outcome.code).toBe(5);
    expect(outcome.stderr).toContain("broken.ts");
    noStack(outcome.stderr);
    const record = JSON.parse(readFileSync(join(out, "command.json"), "utf8")) as {
      status: string;
      service: { pid: number };
      error: { code: string };
    };
    expect(record).toMatchObject({ status: "failed", error: { code: "ERR_SIZER_SCENARIO" } });
    expect(alive(record.service.pid)).toBe(false);
  });

  it("exits 7 when --collector glances is asked and Glances is not installed", async () => {
    const outcome = await runCli(
      [
        "run",
        "--service-cmd",
        `${process.execPath} ${fixture("capacity-server.mjs")}`,
        "--scenario",
        hello,
        "--collector",
        "glances",
        "--out",
        join(folder.path, "no-glances"),
      ],
      // A PATH without Glances (nor taskset: the run warns that the cores are shared).
      { env: { PATH: join(folder.path, "empty-path") } },
    );
    expect(outcome.code).toBe(7);
    expect(outcome.stderr).toMatch(/sizer: cannot record the resources \(--collector glances\): .*glances/i);
    noStack(outcome.stderr);
  });

  it("warns on stderr when the ramp-up outlasts the duration, and still runs", {
    timeout: 60_000,
  }, async () => {
    const out = join(folder.path, "short-duration");
    const outcome = await runCli([
      "run",
      "--service-cmd",
      `node ${fixture("capacity-server.mjs")}`,
      "--scenario",
      hello,
      "-w",
      "5",
      "-d",
      "5",
      "--quiet",
      "--out",
      out,
    ]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toContain(
      "warning: the ramp-up (300 s, the default) is longer than the duration (5 s): only about 1 of the 5 workers will start",
    );
    expect(outcome.stderr).toContain("e.g. --ramp-up 3");
  });

  it("refuses bad 'sizer report' flags with exit 2", async () => {
    const unknown = await runCli(["report", folder.path, "--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "sizer: Unknown option '--bogus' for 'sizer report'; see 'sizer report --help'\n",
    );
    const noTitle = await runCli(["report", folder.path, "--title"]);
    expect(noTitle.code).toBe(2);
    expect(noTitle.stderr).toContain("'--title <value>' argument missing");
    const twoFolders = await runCli(["report", folder.path, folder.path]);
    expect(twoFolders.code).toBe(2);
    expect(twoFolders.stderr).toContain("needs exactly one folder");
  });

  it("exits 6 when 'sizer report' is given a folder without a saved run", async () => {
    const outcome = await runCli(["report", folder.path]);
    expect(outcome.code).toBe(6);
    expect(outcome.stderr).toContain("has no results.json");
  });
});
