import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoServiceDir } from "./helpers.js";

let server: ChildProcess;
let base = "";

beforeAll(async () => {
  server = spawn(process.execPath, [join(demoServiceDir, "server.mjs")], {
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  base = await new Promise<string>((resolve, reject) => {
    let output = "";
    server.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    server.once("exit", (code) => reject(new Error(`the demo service exited with ${code}: ${output}`)));
  });
});

afterAll(() => {
  server.kill("SIGTERM");
});

async function call(
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: string,
  contentType = "application/json",
) {
  const response = await request(`${base}${path}`, {
    method,
    body,
    headers: body === undefined ? {} : { "content-type": contentType },
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

const records = "/buckets/test/collections/tasks/records";

describe("the demo service", () => {
  it("answers its health/info route", async () => {
    const info = await call("GET", "/");
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ project_name: "sizer demo service", records: 0 });
  });

  it("creates, lists page by page, reads and deletes records", async () => {
    const created: Array<{ id: string; last_modified: number }> = [];
    for (let index = 0; index < 5; index += 1) {
      const answer = await call("POST", records, JSON.stringify({ data: { title: `task ${index}` } }));
      expect(answer.status).toBe(201);
      created.push((answer.json as { data: { id: string; last_modified: number } }).data);
    }
    const first = await call("GET", `${records}?_limit=2`);
    expect(first.status).toBe(200);
    expect(first.headers["total-records"]).toBe("5");
    expect((first.json as { data: Array<{ title: string }> }).data.map((record) => record.title)).toEqual([
      "task 0",
      "task 1",
    ]);
    const next = first.headers["next-page"] as string;
    const second = await call("GET", next);
    expect((second.json as { data: Array<{ title: string }> }).data.map((record) => record.title)).toEqual([
      "task 2",
      "task 3",
    ]);

    const one = created[3] as { id: string };
    expect((await call("GET", `${records}/${one.id}`)).json).toMatchObject({
      data: { id: one.id, title: "task 3" },
    });
    expect((await call("DELETE", `${records}/${one.id}`)).json).toMatchObject({
      data: { id: one.id, deleted: true },
    });
    expect((await call("GET", `${records}/${one.id}`)).status).toBe(404);
    expect((await call("GET", `${records}?title=task%204`)).json).toMatchObject({
      data: [{ title: "task 4" }],
    });
  });

  it("refuses bad input with a clear message", async () => {
    expect(await call("POST", records, "{not json")).toMatchObject({
      status: 400,
      json: { message: expect.stringMatching(/not valid JSON/) },
    });
    expect(await call("POST", records, JSON.stringify({ data: [] }))).toMatchObject({
      status: 400,
      json: { message: "'data' must be a JSON object" },
    });
    expect((await call("POST", records, "{}", "text/plain")).status).toBe(415);
    expect((await call("POST", records, JSON.stringify({ data: { text: "x".repeat(70_000) } }))).status).toBe(
      413,
    );
    expect(await call("GET", `${records}?_limit=0`)).toMatchObject({
      status: 400,
      json: { message: "'_limit' must be an integer from 1 to 200, got '0'" },
    });
    expect((await call("GET", "/buckets/b@d/collections/c/records")).status).toBe(400);
  });
});
