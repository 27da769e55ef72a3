import { describe, expect, it } from "vitest";
import { parseCliArguments } from "../src/cli-arguments.js";

describe("parseCliArguments", () => {
  it("reads REPO TEST and every run option", () => {
    expect(
      parseCliArguments([
        "--ref",
        "v1.2",
        "--config",
        "load/molotov.json",
        "--directory",
        "/srv/clone",
        "--skip-install",
        "--env",
        "SERVER_URL=http://127.0.0.1:8080",
        "--env",
        "TOKEN=a=b",
        "--output",
        "results.json",
        "--max-runs",
        "3",
        "--duration",
        "2.5",
        "-q",
        "--clone-timeout",
        "30",
        "--install-timeout",
        "0.5",
        "https://git.example.invalid/team/service.git",
        "smoke",
      ]),
    ).toEqual({
      command: "run",
      options: {
        repo: "https://git.example.invalid/team/service.git",
        test: "smoke",
        ref: "v1.2",
        config: "load/molotov.json",
        directory: "/srv/clone",
        install: false,
        env: { SERVER_URL: "http://127.0.0.1:8080", TOKEN: "a=b" },
        overrides: { output: "results.json", maxRuns: 3, duration: 2.5, quiet: true },
        cloneTimeoutMs: 30_000,
        installTimeoutMs: 500,
      },
    });
  });

  it("keeps only what was given", () => {
    expect(parseCliArguments(["./repo", "smoke", "--keep"])).toEqual({
      command: "run",
      options: { repo: "./repo", test: "smoke", keep: true },
    });
  });

  it("reads init, help and version", () => {
    expect(parseCliArguments(["init"])).toEqual({ command: "init", directory: ".", serverUrl: undefined });
    expect(parseCliArguments(["init", "new", "--server-url", "http://127.0.0.1:1"])).toEqual({
      command: "init",
      directory: "new",
      serverUrl: "http://127.0.0.1:1",
    });
    expect(parseCliArguments(["--help"])).toEqual({ command: "help" });
    expect(parseCliArguments(["-V"])).toEqual({ command: "version" });
  });

  it("refuses a REPO or a --ref starting with '-'", () => {
    expect(() => parseCliArguments(["--", "-oProxyCommand=x", "smoke"])).toThrow(
      expect.objectContaining({ code: "ERR_MOLOSLAVE_UNSAFE_ARGUMENT", input: "repo" }),
    );
    expect(() => parseCliArguments(["--ref=-b", "./repo", "smoke"])).toThrow(
      expect.objectContaining({ code: "ERR_MOLOSLAVE_UNSAFE_ARGUMENT", input: "--ref" }),
    );
    expect(() => parseCliArguments(["--ref", "--orphan", "./repo", "smoke"])).toThrow(
      expect.objectContaining({ code: "ERR_MOLOSLAVE_USAGE" }),
    );
  });

  it("takes every loadcore run option as an override of the test's, under loadcore's flag", () => {
    const command = parseCliArguments(["-w", "3", "--sizing", "-x", "--delay", "0.5", "./repo", "smoke"]);
    expect(command).toMatchObject({
      command: "run",
      options: { overrides: { workers: 3, sizing: true, exception: true, delay: 0.5 } },
    });
  });

  it("names the flag or argument at fault", () => {
    const cases: Array<[string[], RegExp]> = [
      [["./repo"], /needs a repository and a test name/],
      [[], /needs a repository and a test name/],
      [["./repo", "smoke", "extra"], /unexpected argument "extra"/],
      [["--workers", "0", "./repo", "smoke"], /--workers must be an integer >= 1, got 0/],
      [["--max-runs", "0", "./repo", "smoke"], /--max-runs must be an integer >= 1, got 0/],
      [
        ["--sizing-tolerance", "100", "./repo", "smoke"],
        /--sizing-tolerance must be a percentage in \[0, 100\)/,
      ],
      [["--max-runs", "2.5", "./repo", "smoke"], /--max-runs must be an integer/],
      [["--duration", "soon", "./repo", "smoke"], /--duration must be a number of seconds > 0, got "soon"/],
      [["--clone-timeout", "-1", "./repo", "smoke"], /--clone-timeout/],
      [["--install-timeout", "0", "./repo", "smoke"], /--install-timeout must be a number of seconds > 0/],
      [["--env", "NOEQUALS", "./repo", "smoke"], /--env "NOEQUALS"/],
      [["--output", "", "./repo", "smoke"], /--output must be a file path, got ""/],
      [["--directory", "d", "--keep", "./repo", "smoke"], /--keep is for the temporary clone/],
      [
        ["--server-url", "http://127.0.0.1", "./repo", "smoke"],
        /--server-url is an option of moloslave init/,
      ],
      [["init", "a", "b"], /at most one folder/],
      [["ext::sh -c id", "smoke"], /remote helpers/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseCliArguments(argv), argv.join(" ")).toThrow(message);
    }
  });
});
