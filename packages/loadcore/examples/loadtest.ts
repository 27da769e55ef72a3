// A Molotov-style load test: run it with `loadcore examples/loadtest.ts -w 10 -d 30`
// against any service that answers GET / and accepts POST /records (SERVER_URL, default 127.0.0.1:8080).
import assert from "node:assert/strict";
import { events, getContext, getVar, globalSetup, request, scenario, setup, setVar } from "@sizer/loadcore";

const SERVER = process.env.SERVER_URL ?? "http://127.0.0.1:8080";

globalSetup(async () => {
  // one request before the load starts: fail early if the service is down
  const health = await request(`${SERVER}/`);
  assert.ok(health.status < 500, `${SERVER} answered ${health.status}`);
  setVar("startedAt", Date.now());
});

setup(async (workerId) => ({
  headers: { "user-agent": `loadcore-example/${workerId}`, accept: "application/json" },
}));

let failures = 0;
events((event, info) => {
  if (event === "scenario_failure" && failures++ < 3) {
    console.error(`worker ${info.workerId}: ${info.scenario.name} failed`);
  }
});

// 60% of the runs: read the home page
scenario({ weight: 60 }, async function home(session) {
  const response = await session.get(`${SERVER}/`);
  assert.equal(response.status, 200);
});

// 30%: create a record, then read it back
scenario({ weight: 30 }, async function addRecord(session) {
  const { workerId, step } = getContext(session);
  const created = await session.post(`${SERVER}/records`, {
    json: { worker: workerId, step },
    expect: [200, 201],
  });
  const id = created.json<{ id?: string | number }>().id;
  if (id !== undefined) await session.get(`${SERVER}/records/${id}`, { expect: 200 });
});

// 10%: a slower listing, with a think time of 0.1 s after each success
scenario({ weight: 10, delay: 0.1, name: "list_records" }, async (session) => {
  const records = await session.getJson<unknown[]>(`${SERVER}/records`, { query: { _limit: 10 } });
  assert.ok(Array.isArray(records) || typeof records === "object");
  getVar("startedAt");
});
