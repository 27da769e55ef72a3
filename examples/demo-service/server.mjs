#!/usr/bin/env node
// A small in-memory JSON document store over HTTP, in the spirit of Kinto: buckets hold
// collections, collections hold records. Zero dependencies, one file, `node server.mjs`.
//
// What limits it: it is one Node.js process, so one core. Every read serializes the records it
// returns and signs the page (an ETag computed from a SHA-256 of the body, repeated
// `DEMO_HASH_ROUNDS` times, like a server that signs its responses); every write validates the
// record and keeps it in memory (so memory grows with the data). When the event loop falls behind
// by more than `DEMO_MAX_LAG_MS` (the core is saturated), it sheds load with `503 Service
// Unavailable` instead of letting every request wait, as a production server behind a bounded
// queue would. Each request also waits `DEMO_STORAGE_LATENCY_MS` for its "storage" (a stand-in
// for a database round trip, which costs no CPU): so, as in a real service, throughput first grows
// with the number of clients, then flattens when the core is saturated, then the service sheds load.
//
// Environment: PORT (0 = a random free port; default 8000), HOST (default 127.0.0.1),
// DEMO_HASH_ROUNDS (default 200), DEMO_MAX_LAG_MS (default 80), DEMO_MAX_RECORDS (default 2000000),
// DEMO_STORAGE_LATENCY_MS (default 20; 0 turns it off).
import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";

const VERSION = "1.0.0";
const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_PAGE = 25;
const MAX_PAGE = 200;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function integerSetting(name, fallback, minimum) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) {
    console.error(`demo-service: ${name} must be an integer >= ${minimum}, got '${raw}'`);
    process.exit(2);
  }
  return value;
}

const port = integerSetting("PORT", 8000, 0);
const host = process.env.HOST || "127.0.0.1";
const hashRounds = integerSetting("DEMO_HASH_ROUNDS", 200, 1);
const maxLagMs = integerSetting("DEMO_MAX_LAG_MS", 80, 1);
const maxRecords = integerSetting("DEMO_MAX_RECORDS", 2_000_000, 1);
const storageLatencyMs = integerSetting("DEMO_STORAGE_LATENCY_MS", 20, 0);

/** bucket id -> collection id -> { records: Map<id, record>, order: record[], lastModified } */
const buckets = new Map();
let totalRecords = 0;
let lastTimestamp = 0;
let served = 0;
let shed = 0;

// Event-loop lag, measured by a timer that should fire every 10 ms: the time it is late is
// the time a new request waits before being looked at. Smoothed (EWMA), so that one pause of the
// process (another program on the core, a GC) does not shed load; a saturated core keeps it high.
let lagMs = 0;
let expectedTick = performance.now() + 10;
const lagTimer = setInterval(() => {
  const now = performance.now();
  const late = Math.max(0, now - expectedTick);
  lagMs = lagMs * 0.7 + late * 0.3;
  expectedTick = now + 10;
}, 10);
lagTimer.unref();

function nextTimestamp() {
  const now = Date.now();
  lastTimestamp = now > lastTimestamp ? now : lastTimestamp + 1;
  return lastTimestamp;
}

function send(response, status, body, headers = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function sendError(response, status, error, message, headers = {}) {
  send(response, status, { code: status, error, message }, headers);
}

/** The ETag of a page: a SHA-256 chain over the serialized body (the response "signature"). */
function signPage(text) {
  let digest = text;
  for (let round = 0; round < hashRounds; round += 1) {
    digest = createHash("sha256").update(digest).update(text).digest("hex");
  }
  return `"${digest.slice(0, 32)}"`;
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error(`body larger than ${MAX_BODY_BYTES} bytes`), { status: 413 }));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseRecordBody(text) {
  if (text.trim() === "") return { error: 'the body is empty; expected {"data": {...}}' };
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `the body is not valid JSON (${error.message})` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { error: 'the body must be a JSON object {"data": {...}}' };
  }
  const data = parsed.data;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { error: "'data' must be a JSON object" };
  }
  if ("id" in data && (typeof data.id !== "string" || !ID_PATTERN.test(data.id))) {
    return { error: "'data.id' must match [A-Za-z0-9_-]{1,64}" };
  }
  if ("last_modified" in data) return { error: "'data.last_modified' is set by the server" };
  return { data };
}

function collectionOf(bucketId, collectionId, create) {
  let bucket = buckets.get(bucketId);
  if (!bucket) {
    if (!create) return undefined;
    bucket = new Map();
    buckets.set(bucketId, bucket);
  }
  let collection = bucket.get(collectionId);
  if (!collection && create) {
    collection = { records: new Map(), order: [], lastModified: nextTimestamp() };
    bucket.set(collectionId, collection);
  }
  return collection;
}

/** Index of the first record modified after `since` in an array ordered by last_modified. */
function firstAfter(order, since) {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (order[middle].last_modified > since) high = middle;
    else low = middle + 1;
  }
  return low;
}

function compact(collection) {
  // Deleted records leave holes in `order`; rebuild it when they are a quarter of it.
  if (collection.order.length > 64 && collection.records.size < collection.order.length * 0.75) {
    collection.order = collection.order.filter((record) => collection.records.get(record.id) === record);
  }
}

function integerParameter(query, name, fallback, minimum, maximum) {
  const raw = query.get(name);
  if (raw === null) return { value: fallback };
  const value = Number(raw);
  if (raw === "" || !Number.isInteger(value) || value < minimum || value > maximum) {
    return { error: `'${name}' must be an integer from ${minimum} to ${maximum}, got '${raw}'` };
  }
  return { value };
}

function listRecords(request, response, collection, url) {
  const limit = integerParameter(url.searchParams, "_limit", DEFAULT_PAGE, 1, MAX_PAGE);
  if (limit.error) return sendError(response, 400, "Invalid parameters", limit.error);
  const since = integerParameter(url.searchParams, "_since", -1, -1, Number.MAX_SAFE_INTEGER);
  if (since.error) return sendError(response, 400, "Invalid parameters", since.error);
  const filters = [];
  for (const [name, value] of url.searchParams) {
    if (name.startsWith("_")) continue;
    filters.push([name, value]);
  }
  const page = [];
  let hasMore = false;
  if (collection) {
    const order = collection.order;
    for (let index = firstAfter(order, since.value); index < order.length; index += 1) {
      const record = order[index];
      if (collection.records.get(record.id) !== record) continue;
      if (!filters.every(([name, value]) => String(record[name]) === value)) continue;
      if (page.length === limit.value) {
        hasMore = true;
        break;
      }
      page.push(record);
    }
  }
  const text = JSON.stringify({ data: page });
  const etag = signPage(text);
  if (request.headers["if-none-match"] === etag) {
    response.writeHead(304, { etag });
    return response.end();
  }
  const headers = {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    etag,
    "total-records": String(collection ? collection.records.size : 0),
  };
  if (hasMore) {
    const next = new URL(url);
    next.searchParams.set("_since", String(page[page.length - 1].last_modified));
    headers["next-page"] = `${next.pathname}${next.search}`;
  }
  response.writeHead(200, headers);
  response.end(text);
}

async function createRecord(request, response, bucketId, collectionId) {
  if (totalRecords >= maxRecords) {
    return sendError(response, 507, "Insufficient Storage", `the store is full (${maxRecords} records)`);
  }
  const type = request.headers["content-type"] ?? "";
  if (!type.startsWith("application/json")) {
    return sendError(response, 415, "Unsupported Media Type", "send the record as application/json");
  }
  const parsed = parseRecordBody(await readBody(request));
  if (parsed.error) return sendError(response, 400, "Invalid record", parsed.error);
  const collection = collectionOf(bucketId, collectionId, true);
  const id = parsed.data.id ?? randomUUID();
  const previous = collection.records.get(id);
  const record = { ...parsed.data, id, last_modified: nextTimestamp() };
  collection.records.set(id, record);
  collection.order.push(record);
  collection.lastModified = record.last_modified;
  if (previous) compact(collection);
  else totalRecords += 1;
  const text = JSON.stringify({ data: record });
  response.writeHead(previous ? 200 : 201, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    etag: signPage(text),
    location: `/buckets/${bucketId}/collections/${collectionId}/records/${id}`,
  });
  response.end(text);
}

async function route(request, response) {
  const url = new URL(request.url ?? "/", "http://localhost");
  const parts = url.pathname.split("/").filter((part) => part !== "");
  const method = request.method ?? "GET";

  if (parts.length === 0) {
    if (method !== "GET" && method !== "HEAD")
      return sendError(response, 405, "Method Not Allowed", "use GET");
    const memory = process.memoryUsage();
    return send(response, 200, {
      project_name: "sizer demo service",
      project_version: VERSION,
      url: `http://${request.headers.host ?? "localhost"}/`,
      buckets: buckets.size,
      records: totalRecords,
      served,
      shed,
      memory: { rss: memory.rss, heapUsed: memory.heapUsed },
      eventLoopLagMs: Number(lagMs.toFixed(1)),
    });
  }
  if (parts.length === 1 && parts[0] === "__heartbeat__") return send(response, 200, { ok: true });

  // /buckets/{b}/collections/{c}/records[/{id}]
  if (parts[0] !== "buckets") return sendError(response, 404, "Not Found", `no route for ${url.pathname}`);
  for (const part of parts.slice(1)) {
    if (!ID_PATTERN.test(part)) {
      return sendError(response, 400, "Invalid id", `'${part}' must match [A-Za-z0-9_-]{1,64}`);
    }
  }
  const [, bucketId, collectionsWord, collectionId, recordsWord, recordId] = parts;
  if (parts.length === 3 && collectionsWord === "collections" && method === "GET") {
    const bucket = buckets.get(bucketId);
    const data = bucket
      ? [...bucket].map(([id, collection]) => ({ id, last_modified: collection.lastModified }))
      : [];
    return send(response, 200, { data });
  }
  if (
    collectionsWord !== "collections" ||
    recordsWord !== "records" ||
    parts.length > 6 ||
    parts.length < 5
  ) {
    return sendError(response, 404, "Not Found", `no route for ${url.pathname}`);
  }
  if (recordId === undefined) {
    if (method === "GET" || method === "HEAD") {
      return listRecords(request, response, collectionOf(bucketId, collectionId, false), url);
    }
    if (method === "POST") return createRecord(request, response, bucketId, collectionId);
    return sendError(response, 405, "Method Not Allowed", "use GET or POST on a collection's records");
  }
  const collection = collectionOf(bucketId, collectionId, false);
  const record = collection?.records.get(recordId);
  if (method === "GET" || method === "HEAD") {
    if (!record) return sendError(response, 404, "Not Found", `record '${recordId}' does not exist`);
    const text = JSON.stringify({ data: record });
    response.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      etag: signPage(text),
    });
    return response.end(text);
  }
  if (method === "DELETE") {
    if (!record) return sendError(response, 404, "Not Found", `record '${recordId}' does not exist`);
    collection.records.delete(recordId);
    totalRecords -= 1;
    collection.lastModified = nextTimestamp();
    compact(collection);
    return send(response, 200, {
      data: { id: recordId, last_modified: collection.lastModified, deleted: true },
    });
  }
  return sendError(response, 405, "Method Not Allowed", "use GET or DELETE on a record");
}

/** The wait of a storage round trip: time spent off the CPU, as a database call would be. */
function storageRoundTrip() {
  return new Promise((resolve) => setTimeout(resolve, storageLatencyMs));
}

const server = createServer((request, response) => {
  served += 1;
  if (lagMs > maxLagMs && request.url !== "/__heartbeat__") {
    shed += 1;
    request.resume();
    return sendError(response, 503, "Service Unavailable", "the server is too busy, retry later", {
      "retry-after": "1",
    });
  }
  const handled =
    storageLatencyMs > 0 ? storageRoundTrip().then(() => route(request, response)) : route(request, response);
  handled.catch((error) => {
    if (response.headersSent) return response.destroy();
    if (error?.status === 413) return sendError(response, 413, "Payload Too Large", error.message);
    console.error(`demo-service: ${request.method} ${request.url}: ${error?.stack ?? error}`);
    sendError(response, 500, "Internal Server Error", "an unexpected error happened");
  });
});
server.keepAliveTimeout = 30_000;

server.on("error", (error) => {
  console.error(`demo-service: cannot listen on ${host}:${port}: ${error.message}`);
  process.exit(1);
});

server.listen(port, host, () => {
  const address = server.address();
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  console.log(`listening on http://${shown}:${address.port}`);
});

function shutdown(signal) {
  console.log(
    `demo-service: ${signal}, closing (${served} requests served, ${shed} shed, ${totalRecords} records)`,
  );
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
