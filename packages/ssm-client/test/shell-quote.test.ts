import { describe, expect, it } from "vitest";
import { exportLines, runCommand, shellCommand, shellQuote } from "../src/index.js";
import { FAST_POLL, fakeAws } from "./helpers.js";

const HOSTILE_VALUES = [
  "it's",
  "'",
  "''",
  '"double" quotes',
  "$(touch pwned-subshell)",
  "`touch pwned-backtick`",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} is one of the hostile values
  "${HOME}",
  "$HOME",
  "a; touch pwned-semicolon",
  "a && touch pwned-and",
  "a | cat",
  "line one\nline two\n",
  "\ttab and trailing space ",
  "-n",
  "--flag=x",
  "*",
  "~",
  "back\\slash\\",
  "!event",
  "café, 日本語, emoji 🚀",
  "",
  "'$(echo nested)'\"`x`\"",
] as const;

describe("shellQuote", () => {
  it("gets every hostile value to the remote shell verbatim, and none of them runs", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1 });
    const marker = "\u001e";
    const script = HOSTILE_VALUES.map((value) => `printf '%s${marker}' ${shellQuote(value)}`).join("\n");
    const result = await runCommand({ ...clients, targets: { instanceIds }, script, poll: FAST_POLL });
    const received = result.outcomes[0]?.stdout.split(marker).slice(0, -1);
    expect(received).toEqual([...HOSTILE_VALUES]);
    const listing = await runCommand({
      ...clients,
      targets: { instanceIds },
      script: "ls -A",
      poll: FAST_POLL,
    });
    expect(listing.outcomes[0]?.stdout).not.toContain("pwned");
    expect(fake.fleet.instances.size).toBe(1);
  });

  it("quotes environment values and whole command lines with the same rule", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1 });
    const environment = { SERVICE_IMAGE: "repo/image:tag; rm -rf /", TEST_NAME: "it's $(whoami)" };
    const script = [
      ...exportLines(environment),
      shellCommand("printf", "%s|%s", "$SERVICE_IMAGE", "literal $TEST_NAME"),
      'printf "\\n%s|%s" "$SERVICE_IMAGE" "$TEST_NAME"',
    ].join("\n");
    const result = await runCommand({ ...clients, targets: { instanceIds }, script, poll: FAST_POLL });
    expect(result.outcomes[0]?.stdout).toBe(
      "$SERVICE_IMAGE|literal $TEST_NAME\nrepo/image:tag; rm -rf /|it's $(whoami)",
    );
  });

  it("refuses what a shell cannot receive: NUL, and bad variable names", () => {
    expect(() => shellQuote("a\u0000b")).toThrow(/NUL/);
    expect(() => exportLines({ "BAD-NAME": "x" })).toThrow(/BAD-NAME/);
    expect(() => exportLines({ "1ST": "x" })).toThrow(/not valid/);
  });
});
