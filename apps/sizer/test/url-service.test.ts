import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { UrlUnreachableError } from "../src/errors.js";
import { freePort } from "../src/free-port.js";
import { ServiceLog } from "../src/service-log.js";
import { connectToUrl } from "../src/url-service.js";
import { temporaryFolder } from "./helpers.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function log(): ServiceLog {
  const folder = temporaryFolder();
  cleanups.push(folder.remove);
  return new ServiceLog(join(folder.path, "service.log"));
}

describe("connectToUrl", () => {
  it("accepts a running service and watches only what it is told", async () => {
    const server: Server = createServer((_request, response) => response.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const service = await connectToUrl({ url, readyTimeoutMs: 5000, log: log() });
    expect(service).toMatchObject({ kind: "url", url: url.slice(0, -1), pid: undefined, containers: [] });
    expect(service.description).toBe(url);
  });

  it("says the URL is unreachable, with the reason", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const error = await connectToUrl({ url, readyTimeoutMs: 600, log: log() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UrlUnreachableError);
    expect(error).toMatchObject({ code: "ERR_SIZER_URL_UNREACHABLE", url });
    expect((error as Error).message).toMatch(
      new RegExp(`--url ${url} is unreachable: .* did not answer within 1 s: ECONNREFUSED`),
    );
  });

  it("refuses a self-signed certificate at once, naming the fix, and accepts it with --insecure", {
    timeout: 60_000,
  }, async () => {
    const tls = (name: string) =>
      readFileSync(fileURLToPath(new URL(`./fixtures/tls/${name}`, import.meta.url)));
    const server = createHttpsServer({ cert: tls("cert.pem"), key: tls("key.pem") }, (_request, response) =>
      response.end("ok"),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => server.close());
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // Long enough that waiting it out would show as the "did not answer within 30 s" message.
    const refused = await connectToUrl({ url, readyTimeoutMs: 30_000, log: log() }).catch(
      (caught: unknown) => caught,
    );
    expect(refused).toBeInstanceOf(UrlUnreachableError);
    // Node's own reason comes in the parentheses (Node 24 appends a hint about --use-system-ca to it).
    const message = (refused as Error).message;
    expect(message.startsWith(`--url ${url} presents a TLS certificate that cannot be verified (`)).toBe(
      true,
    );
    expect(message).toContain("(DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate");
    expect(
      message.endsWith(
        "); use -k/--insecure for a self-signed certificate, or NODE_EXTRA_CA_CERTS=ca.pem for a private CA",
      ),
    ).toBe(true);
    const service = await connectToUrl({ url, readyTimeoutMs: 5000, log: log(), insecure: true });
    expect(service).toMatchObject({ kind: "url", url: url.slice(0, -1) });
  });

  it("gives the scenario the --url without its trailing slash, keeping a path", async () => {
    const server: Server = createServer((_request, response) => response.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => server.close());
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [given, serverUrl] of [
      [`${origin}/`, origin],
      [`${origin}/api/`, `${origin}/api`],
      [`${origin}/api`, `${origin}/api`],
    ]) {
      const service = await connectToUrl({ url: given as string, readyTimeoutMs: 5000, log: log() });
      expect(service.url).toBe(serverUrl);
    }
  });

  it("requires a 2xx answer from an explicit --health-url", async () => {
    const server: Server = createServer((request, response) => {
      response.statusCode = request.url === "/health" ? 503 : 200;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const error = await connectToUrl({
      url,
      healthUrl: `${url}health`,
      readyTimeoutMs: 600,
      log: log(),
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/answered 503/);
  });
});
