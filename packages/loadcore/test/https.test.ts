import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad } from "../dist/index.js";
import { captureStream, scenarioFolder } from "./helpers/scenario-files.js";

// A self-signed certificate for 127.0.0.1 and localhost, made for these tests only (see servers/tls/README.md).
const CERT_FILE = fileURLToPath(new URL("./servers/tls/cert.pem", import.meta.url));
const KEY_FILE = fileURLToPath(new URL("./servers/tls/key.pem", import.meta.url));
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

let server: Server;
let url: string;
let handshakes = 0;

beforeAll(async () => {
  server = createServer(
    { cert: readFileSync(CERT_FILE), key: readFileSync(KEY_FILE) },
    (request, response) => {
      request.resume();
      response.writeHead(200, { "content-type": "text/plain" }).end(`secure ${request.url}`);
    },
  );
  server.on("secureConnection", () => {
    handshakes += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const SCENARIO = `
import assert from "node:assert";
import { globalSetup, request, scenario, setVar, getVar } from "@sizer/loadcore";
globalSetup(async () => {
  const answer = await request(process.env.TARGET_URL + "/setup", { insecure: process.env.INSECURE === "1" });
  setVar("setup", answer.content);
});
scenario(async function secure(session) {
  assert.equal(getVar("setup"), "secure /setup");
  const response = await session.get(process.env.TARGET_URL + "/page", { expect: 200 });
  assert.equal(response.text(), "secure /page");
});
`;

function run(insecure: boolean) {
  const folder = scenarioFolder({ "loadtest.ts": SCENARIO });
  const stdout = captureStream();
  const stderr = captureStream();
  return {
    stderr,
    run: runLoad({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 3,
      maxRuns: 5,
      duration: 10,
      insecure,
      env: { TARGET_URL: url, INSECURE: insecure ? "1" : "0" },
      stdout: stdout as unknown as Writable,
      stderr: stderr as unknown as Writable,
      tty: false,
    }),
  };
}

describe("https targets", () => {
  it("with --insecure, loads a target whose certificate is self-signed, over kept-alive TLS connections", async () => {
    const before = handshakes;
    const results = await run(true).run;
    expect(results.ok).toBe(15);
    expect(results.failed).toBe(0);
    expect(results.options.insecure).toBe(true);
    expect(results.byRequest.map((entry) => entry.name)).toEqual(["GET /page"]);
    // keep-alive: at most one handshake per worker, plus the fixture's one-off request
    expect(handshakes - before).toBeGreaterThanOrEqual(2);
    expect(handshakes - before).toBeLessThanOrEqual(4);
  });

  it("without it, refuses the certificate: the failure is classified as tls and named", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": `
import { scenario } from "@sizer/loadcore";
scenario(async function secure(session) { await session.get(process.env.TARGET_URL + "/page"); });
`,
    });
    const stderr = captureStream();
    const results = await runLoad({
      scenarioFile: "loadtest.ts",
      cwd: folder,
      workers: 2,
      maxRuns: 3,
      duration: 10,
      verbose: 1,
      env: { TARGET_URL: url },
      stdout: captureStream() as unknown as Writable,
      stderr: stderr as unknown as Writable,
      tty: false,
    });
    expect(results.ok).toBe(0);
    expect(results.failed).toBe(6);
    expect(results.errors.tls).toBe(6);
    expect(results.options.insecure).toBe(false);
    expect(stderr.text()).toMatch(/self[- ]signed certificate/i);
  });

  it("the CLI trusts a private CA from NODE_EXTRA_CA_CERTS, and takes -k", async () => {
    const folder = scenarioFolder({
      "loadtest.ts": `
import { scenario } from "@sizer/loadcore";
scenario(async function secure(session) { await session.get(process.env.TARGET_URL + "/page", { expect: 200 }); });
`,
    });
    const cli = (args: string[], env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, "-q", "-w", "2", "-r", "3", ...args, "loadtest.ts"], {
          cwd: folder,
          env: { ...process.env, TARGET_URL: url, ...env },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on("close", (code) => resolve({ code, stderr }));
      });
    const untrusted = await cli([], {});
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toContain("no scenario run succeeded: all 6 failed (tls 6)");
    expect(untrusted.stderr).toContain(
      "the target's TLS certificate was refused: use -k/--insecure for a self-signed certificate, or NODE_EXTRA_CA_CERTS=ca.pem for a private CA",
    );
    expect(untrusted.stderr).not.toContain("is the target up and reachable?");
    expect((await cli([], { NODE_EXTRA_CA_CERTS: CERT_FILE })).code).toBe(0);
    expect((await cli(["-k"], {})).code).toBe(0);
    expect((await cli(["--insecure"], {})).code).toBe(0);
  });
});
