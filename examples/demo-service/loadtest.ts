// The demo service's load test: people add records to a shared collection, browse the newest
// ones page by page and read records back, checking every answer. The server's URL comes from
// SERVER_URL (sizer sets it to the service it started).
import assert from "node:assert/strict";
import { scenario } from "@sizer/loadcore";

const serverUrl = (process.env.SERVER_URL ?? "http://127.0.0.1:8000").replace(/\/+$/, "");
const records = `${serverUrl}/buckets/demo/collections/tasks/records`;

interface TaskRecord {
  id: string;
  last_modified: number;
  title: string;
  done: boolean;
  tags: string[];
}

/** Records this process created, newest last: what the readers browse and read back. */
const created: TaskRecord[] = [];
let counter = 0;

function pickCreated(): TaskRecord | undefined {
  if (created.length === 0) return undefined;
  return created[Math.floor(Math.random() * created.length)];
}

scenario({ name: "add_record", weight: 20 }, async (session) => {
  counter += 1;
  const data = {
    title: `task ${counter} of process ${process.pid}`,
    done: counter % 3 === 0,
    tags: ["demo", counter % 2 === 0 ? "even" : "odd"],
    notes: "x".repeat(200 + (counter % 300)),
  };
  const response = await session.post(records, { json: { data }, name: "POST records" });
  assert.equal(response.status, 201, `creating a record answered ${response.status}`);
  const body = response.json<{ data: TaskRecord }>();
  assert.equal(body.data.title, data.title, "the created record does not echo its title");
  assert.match(body.data.id, /^[0-9a-f-]{36}$/, "the created record has no server id");
  assert.ok(body.data.last_modified > 0, "the created record has no timestamp");
  created.push(body.data);
  if (created.length > 5000) created.splice(0, 1000);
});

scenario({ name: "browse_records", weight: 60 }, async (session) => {
  const since = pickCreated()?.last_modified ?? 0;
  const first = await session.get(`${records}?_limit=25&_since=${since - 1}`, { name: "GET records" });
  assert.equal(first.status, 200, `listing records answered ${first.status}`);
  const page = first.json<{ data: TaskRecord[] }>();
  assert.ok(Array.isArray(page.data), "the listing has no data array");
  assert.ok(page.data.length <= 25, `the listing returned ${page.data.length} records for _limit=25`);
  for (let index = 1; index < page.data.length; index += 1) {
    const previous = page.data[index - 1] as TaskRecord;
    const current = page.data[index] as TaskRecord;
    assert.ok(current.last_modified > previous.last_modified, "the listing is not ordered by last_modified");
  }
  const next = first.headers["next-page"];
  if (typeof next === "string") {
    const second = await session.get(`${serverUrl}${next}`, { name: "GET records" });
    assert.equal(second.status, 200, `the next page answered ${second.status}`);
    const following = second.json<{ data: TaskRecord[] }>();
    const last = page.data[page.data.length - 1];
    if (last && following.data[0]) {
      assert.ok(following.data[0].last_modified > last.last_modified, "the next page overlaps the first");
    }
  }
});

scenario({ name: "read_record", weight: 20 }, async (session) => {
  const record = pickCreated();
  if (!record) {
    const info = await session.get(`${serverUrl}/`, { name: "GET /" });
    assert.equal(info.status, 200, `the service's root answered ${info.status}`);
    return;
  }
  const response = await session.get(`${records}/${record.id}`, { name: "GET record" });
  assert.equal(response.status, 200, `reading record ${record.id} answered ${response.status}`);
  const body = response.json<{ data: TaskRecord }>();
  assert.equal(body.data.id, record.id, "read back a different record");
  assert.equal(body.data.title, record.title, "the record's title changed");
});
