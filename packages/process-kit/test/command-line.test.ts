import { describe, expect, it } from "vitest";
import { CommandLineError, splitCommandLine } from "../dist/index.js";

describe("splitCommandLine", () => {
  it("splits words the way a shell does, quotes and backslashes removed", () => {
    expect(splitCommandLine(`  node  'my server.js' "a \\"b\\" \\x" c\\ d ''  `)).toEqual({
      argv: ["node", "my server.js", 'a "b" \\x', "c d", ""],
      shellSyntax: undefined,
    });
  });

  it("reports the first character only a shell could handle, quoted ones excepted", () => {
    expect(splitCommandLine("npm ci && npm test").shellSyntax).toBe("&");
    expect(splitCommandLine("node server.js > out.log").shellSyntax).toBe(">");
    expect(splitCommandLine('echo "$HOME"').shellSyntax).toBe("$");
    expect(splitCommandLine("ls *.js").shellSyntax).toBe("*");
    expect(splitCommandLine("PORT=1 node server.js").shellSyntax).toBe("=");
    expect(splitCommandLine("echo '$HOME | *'").shellSyntax).toBeUndefined();
    expect(splitCommandLine("npm install --registry=http://x").shellSyntax).toBeUndefined();
  });

  it("refuses an empty line, a lone backslash and an open quote, with the problem named", () => {
    const problem = (line: string) => {
      try {
        splitCommandLine(line);
      } catch (error) {
        expect(error).toBeInstanceOf(CommandLineError);
        return [(error as CommandLineError).problem, (error as CommandLineError).quote];
      }
      return "split";
    };
    expect(problem("   ")).toEqual(["empty", undefined]);
    expect(problem("node \\")).toEqual(["lone-backslash", undefined]);
    expect(problem("node 'server.js")).toEqual(["unclosed-quote", "'"]);
    expect(problem('node "server.js')).toEqual(["unclosed-quote", '"']);
  });
});
