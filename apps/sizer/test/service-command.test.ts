import { describe, expect, it } from "vitest";
import { SizerUsageError } from "../src/errors.js";
import { parseServiceCommand } from "../src/service-command.js";

describe("parseServiceCommand", () => {
  it("splits a simple command into argv without a shell", () => {
    expect(parseServiceCommand("node server.js --port 8000")).toEqual({
      argv: ["node", "server.js", "--port", "8000"],
      shell: false,
    });
  });

  it("keeps quoted words together and honours escapes", () => {
    expect(parseServiceCommand(`python3 -m "http.server" 'a b' c\\ d "say \\"hi\\""`)).toEqual({
      argv: ["python3", "-m", "http.server", "a b", "c d", 'say "hi"'],
      shell: false,
    });
  });

  it("runs the user's own string through sh -c when it uses shell syntax", () => {
    expect(parseServiceCommand("npm run build && node dist/server.js")).toEqual({
      argv: ["sh", "-c", "npm run build && node dist/server.js"],
      shell: true,
    });
    expect(parseServiceCommand("FOO=1 node server.js").shell).toBe(true);
    expect(parseServiceCommand('node "$HOME/server.js"').shell).toBe(true);
  });

  it("treats shell characters inside single quotes as text", () => {
    expect(parseServiceCommand("node -e 'a && b | c'")).toEqual({
      argv: ["node", "-e", "a && b | c"],
      shell: false,
    });
  });

  it("refuses an empty command and an unclosed quote, naming --service-cmd", () => {
    expect(() => parseServiceCommand("   ")).toThrow(SizerUsageError);
    expect(() => parseServiceCommand("node 'server.js")).toThrow(/--service-cmd has an unclosed ' quote/);
  });
});
