// Readiness answers from the service itself: a started service that exits during start-up is reported
// with its exit and its output, even when another program answers on its port.
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startCommandService } from "../src/command-service.js";
import { ServiceStartError } from "../src/errors.js";
import { groupListensOn, listeningSocketInodes } from "../src/port-owner.js";
import type { ServiceHandle } from "../src/service.js";
import { ServiceLog } from "../src/service-log.js";
import { fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());
const services: ServiceHandle[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Another program on a loopback port, answering 200 to everything. */
async function squatter(): Promise<number> {
  const server = createServer((_request, response) => response.writeHead(200).end("not the service\n"));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

describe("a service whose port is taken", () => {
  it("is reported as exited during start-up, with its output, though the port answers", async () => {
    const port = await squatter();
    const error = await startCommandService({
      command: `node ${fixture("ground-truth-service.mjs")}`,
      port,
      readyTimeoutMs: 20_000,
      log: new ServiceLog(join(folder.path, "taken.log")),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceStartError);
    expect(error).toMatchObject({ code: "ERR_SIZER_SERVICE_START" });
    expect((error as Error).message).toMatch(
      new RegExp(
        `exited during start-up \\(exit code 1\\) although http://127\\.0\\.0\\.1:${port}/ answered 200`,
      ),
    );
    expect((error as ServiceStartError).output).toContain("EADDRINUSE");
  });

  it("is ready when its own process group listens on the port", async () => {
    const service = await startCommandService({
      command: `node ${fixture("ground-truth-service.mjs")}`,
      readyTimeoutMs: 20_000,
      log: new ServiceLog(join(folder.path, "own.log")),
    });
    services.push(service);
    const port = Number(new URL(service.url).port);
    expect(listeningSocketInodes(port)?.size).toBeGreaterThan(0);
    expect(groupListensOn(service.pid as number, port)).toBe(true);
    const other = await squatter();
    expect(groupListensOn(service.pid as number, other)).toBe(false);
  });
});
