import assert from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, fetch, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { classifyError } from "../src/http/error-class.js";

const servers: Server[] = [];
const agents: Agent[] = [];

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close().catch(() => {});
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("classifyError with real errors", () => {
  it("classifies a closed loopback port as refused (undici request and fetch)", async () => {
    const server = createServer();
    const port = await listen(server);
    servers.pop();
    await new Promise((resolve) => server.close(resolve));
    expect(classifyError(await caught(request(`http://127.0.0.1:${port}/`)))).toBe("refused");
    expect(classifyError(await caught(fetch(`http://127.0.0.1:${port}/`)))).toBe("refused");
  });

  it("classifies a server that destroys the socket as reset", async () => {
    const port = await listen(createServer((incoming) => incoming.socket.destroy()));
    const error = await caught(request(`http://127.0.0.1:${port}/`));
    expect((error as { code?: string }).code).toBe("UND_ERR_SOCKET");
    expect(classifyError(error)).toBe("reset");
  });

  it("classifies a headers timeout and a body timeout as timeout", async () => {
    const silent = await listen(createServer(() => {}));
    const headersAgent = new Agent({ headersTimeout: 100 });
    agents.push(headersAgent);
    const error = await caught(request(`http://127.0.0.1:${silent}/`, { dispatcher: headersAgent }));
    expect((error as { code?: string }).code).toBe("UND_ERR_HEADERS_TIMEOUT");
    expect(classifyError(error)).toBe("timeout");

    const stalled = await listen(
      createServer((_incoming, outgoing) => {
        outgoing.writeHead(200, { "content-length": "10" });
        outgoing.write("abc");
      }),
    );
    const bodyAgent = new Agent({ bodyTimeout: 100 });
    agents.push(bodyAgent);
    const response = await request(`http://127.0.0.1:${stalled}/`, { dispatcher: bodyAgent });
    const bodyError = await caught(response.body.text());
    expect(classifyError(bodyError)).toBe("timeout");
  });

  it("classifies an AbortSignal timeout as timeout and an explicit abort as aborted", async () => {
    const silent = await listen(createServer(() => {}));
    const timedOut = await caught(
      request(`http://127.0.0.1:${silent}/`, { signal: AbortSignal.timeout(50) }),
    );
    expect(classifyError(timedOut)).toBe("timeout");
    const controller = new AbortController();
    const pending = request(`http://127.0.0.1:${silent}/`, { signal: controller.signal });
    controller.abort();
    expect(classifyError(await caught(pending))).toBe("aborted");
  });

  it("classifies a TLS handshake with a plain HTTP server as tls", async () => {
    const port = await listen(createServer((_incoming, outgoing) => outgoing.end("plain")));
    expect(classifyError(await caught(request(`https://127.0.0.1:${port}/`)))).toBe("tls");
  });

  it("classifies node:assert failures as assertion", () => {
    let thrown: unknown;
    try {
      assert.strictEqual(200, 503);
    } catch (error) {
      thrown = error;
    }
    expect(classifyError(thrown)).toBe("assertion");
  });
});

describe("classifyError by code and name", () => {
  it("classifies the runner's ResponseStatusError by its code", () => {
    const statusError = Object.assign(new Error("expected 200, got 503"), { code: "ERR_LOADCORE_STATUS" });
    expect(classifyError(statusError)).toBe("status");
  });

  it("classifies DNS failures (not produced here: lookups would leave loopback)", () => {
    expect(
      classifyError(Object.assign(new Error("getaddrinfo ENOTFOUND x.invalid"), { code: "ENOTFOUND" })),
    ).toBe("dns");
    expect(classifyError(Object.assign(new Error("again"), { code: "EAI_AGAIN" }))).toBe("dns");
  });

  it("looks into AggregateError and cause chains, and falls back to other", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED ::1:1"), { code: "ECONNREFUSED" });
    expect(classifyError(new AggregateError([refused], "all failed"))).toBe("refused");
    expect(classifyError(new TypeError("fetch failed", { cause: refused }))).toBe("refused");
    expect(classifyError(new Error("boom"))).toBe("other");
    expect(classifyError("a string")).toBe("other");
    expect(classifyError(undefined)).toBe("other");
    expect(classifyError(null)).toBe("other");
  });
});
