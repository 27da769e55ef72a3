import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventListener } from "../src/engine/registry.js";
import { ResponseStatusError } from "../src/errors.js";
import { HttpPools } from "../src/http/http-pools.js";
import { RequestDeadlines } from "../src/http/request-deadlines.js";
import { getContext, Session, type SessionRuntime } from "../src/http/session.js";
import { StatsRecorder } from "../src/stats/stats.js";
import { type LoopbackServer, readBody, startLoopbackServer } from "./servers/loopback.js";
import { startSlowServer } from "./servers/slow-server.js";
import { unreachableUrl } from "./servers/unreachable.js";

let server: LoopbackServer;
let slow: LoopbackServer;
const pools: HttpPools[] = [];

beforeAll(async () => {
  server = await startLoopbackServer(async (request, response) => {
    const body = await readBody(request);
    if (request.url?.startsWith("/status/")) {
      response.writeHead(Number(request.url.slice("/status/".length))).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json", "x-test": ["a", "b"] });
    response.end(
      JSON.stringify({ method: request.method, url: request.url, headers: request.headers, body }),
    );
  });
  slow = await startSlowServer({ delayMs: 2_000 });
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.destroy()));
  await server.close();
  await slow.close();
});

function newSession(
  options: ConstructorParameters<typeof Session>[2] = {},
  timeoutMs = 5_000,
  listeners: SessionRuntime["listeners"] = [],
) {
  const pool = new HttpPools({ connectTimeoutMs: 5_000 });
  pools.push(pool);
  const recorder = new StatsRecorder();
  const runtime: SessionRuntime = {
    pools: pool,
    recorder,
    listeners,
    timeoutMs,
    deadlines: new RequestDeadlines(),
    verbose: 0,
    print: () => {},
    discarding: false,
  };
  const session = new Session(
    runtime,
    { workerId: 3, processIndex: 0, step: 1, options: { workers: 1 } },
    options,
  );
  return { session, recorder };
}

type Echo = { method: string; url: string; headers: Record<string, string>; body: string };

describe("Session", () => {
  it("sends the session's headers merged with the request's, a query, and reads status, headers and body", async () => {
    const { session } = newSession({ headers: { authorization: "Bearer t", "x-a": "session" } });
    const response = await session.get(`${server.url}/things`, {
      headers: { "x-a": "request" },
      query: { page: 2, q: "a b" },
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.headers["x-test"]).toEqual(["a", "b"]);
    const echo = response.json<Echo>();
    expect(echo.url).toBe("/things?page=2&q=a+b");
    expect(echo.headers.authorization).toBe("Bearer t");
    expect(echo.headers["x-a"]).toBe("request");
    expect(response.text()).toContain('"method":"GET"');
  });

  it("sends JSON, raw and form bodies with the right content type", async () => {
    const { session } = newSession();
    const json = (await session.post(`${server.url}/j`, { json: { a: 1 } })).json<Echo>();
    expect(json.body).toBe('{"a":1}');
    expect(json.headers["content-type"]).toBe("application/json");
    const raw = (
      await session.put(`${server.url}/r`, { body: "plain", headers: { "content-type": "text/plain" } })
    ).json<Echo>();
    expect(raw).toMatchObject({ method: "PUT", body: "plain" });
    const form = (
      await session.patch(`${server.url}/f`, { body: new URLSearchParams({ x: "1" }) })
    ).json<Echo>();
    expect(form.body).toBe("x=1");
    expect(form.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect((await session.delete(`${server.url}/d`)).json<Echo>().method).toBe("DELETE");
    expect((await session.head(`${server.url}/h`)).body.length).toBe(0);
  });

  it("records every request under METHOD /path/{id}, or the name given, with its status", async () => {
    const { session, recorder } = newSession();
    await session.get(`${server.url}/buckets/12/records`);
    await session.get(`${server.url}/buckets/13/records?_limit=3`);
    await session.get(`${server.url}/status/404`);
    await session.post(`${server.url}/x`, { json: {}, name: "create" });
    const interval = recorder.drain();
    expect(interval.requests).toBe(4);
    const byName = Object.fromEntries(interval.byRequest.map((entry) => [entry.name, entry]));
    expect(byName["GET /buckets/{id}/records"]?.count).toBe(2);
    expect(byName["GET /status/{id}"]?.statusCodes).toEqual({ "404": 1 });
    expect(byName.create?.count).toBe(1);
    expect(interval.statusCodes).toEqual({ "200": 3, "404": 1 });
  });

  it("does not fail on a non-2xx status by itself, but throws ResponseStatusError with expect", async () => {
    const { session } = newSession();
    expect((await session.get(`${server.url}/status/503`)).status).toBe(503);
    const failure = await session
      .get(`${server.url}/status/503`, { expect: 200 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ResponseStatusError);
    expect((failure as ResponseStatusError).code).toBe("ERR_LOADCORE_STATUS");
    expect((failure as ResponseStatusError).status).toBe(503);
    await expect(session.get(`${server.url}/status/201`, { expect: [200, 201] })).resolves.toMatchObject({
      status: 201,
    });
  });

  it("counts a request whose status `expect` refuses as failed (class status), with or without event listeners", async () => {
    const seen: string[] = [];
    const recordEvent: EventListener = (...[event]) => void seen.push(event);
    for (const listeners of [[], [recordEvent]]) {
      const { session, recorder } = newSession({}, 5_000, listeners);
      const failure = await session
        .get(`${server.url}/status/302`, { expect: 200, name: "redirected" })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ResponseStatusError);
      expect((failure as ResponseStatusError).status).toBe(302);
      const entry = recorder.drain().byRequest.find((request) => request.name === "redirected");
      expect(entry).toMatchObject({
        count: 1,
        ok: 0,
        failed: 1,
        errors: { status: 1 },
        statusCodes: { "302": 1 },
      });
    }
    // the listener still saw the response it was refused on
    expect(seen).toEqual(["sending_request", "response_received"]);
  });

  it("has JSON helpers that parse the answer and throw on a non-2xx status", async () => {
    const { session } = newSession({ baseUrl: server.url });
    const echo = await session.postJson<Echo>("/items", { name: "x" });
    expect(echo.body).toBe('{"name":"x"}');
    expect(echo.headers.accept).toBe("application/json");
    await expect(session.getJson("/status/500")).rejects.toBeInstanceOf(ResponseStatusError);
  });

  it("classifies a refused connection and a timeout, and rejects the scenario's promise", async () => {
    const { session, recorder } = newSession({}, 200);
    await expect(session.get(`${await unreachableUrl()}/`)).rejects.toThrow();
    await expect(session.get(`${slow.url}/slow`, { name: "slow" })).rejects.toThrow();
    const interval = recorder.drain();
    const byName = Object.fromEntries(interval.byRequest.map((entry) => [entry.name, entry]));
    expect(byName["GET /"]?.errors).toEqual({ refused: 1 });
    expect(byName.slow?.errors).toEqual({ timeout: 1 });
  });

  it("gives the worker's context", () => {
    const { session } = newSession();
    expect(getContext(session)).toMatchObject({ workerId: 3, step: 1, options: { workers: 1 } });
    expect(session.workerId).toBe(3);
  });

  it("rejects a URL that is not http(s)", async () => {
    const { session } = newSession();
    await expect(session.get("ftp://127.0.0.1/x")).rejects.toThrow(/unsupported URL protocol/);
    await expect(session.get("/relative")).rejects.toThrow();
  });
});
