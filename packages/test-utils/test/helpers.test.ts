import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBody, runCli, startLoopbackServer, temporaryFolder } from "../src/index.js";

const folder = temporaryFolder("test-utils-");
afterAll(() => folder.remove());

describe("the shared test helpers", () => {
  it("serve on loopback, and run a script with an environment that can remove a variable", async () => {
    const server = await startLoopbackServer(async (request, response) => {
      response.end(`echo:${await readBody(request)}`);
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const script = join(folder.path, "script.mjs");
      writeFileSync(
        script,
        `const answer = await fetch(process.argv[2], { method: "POST", body: "hi" });
console.log(await answer.text(), process.env.KEEP, process.env.DROP ?? "unset");
process.exit(4);`,
      );
      const run = await runCli(script, [server.url], {
        cwd: folder.path,
        env: { KEEP: "kept", DROP: undefined },
      });
      expect(run).toMatchObject({ code: 4, signal: null, stdout: "echo:hi kept unset\n" });
    } finally {
      await server.close();
    }
  });
});
