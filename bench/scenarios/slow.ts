// loadcore scenario of the memory benchmark (bench/memory.mjs): one GET of an endpoint that answers
// after 100 ms, and a status check. With W workers the ceiling is W * 10 requests/s.
import { scenario } from "@sizer/loadcore";

const serverUrl = process.env.SERVER_URL ?? "http://127.0.0.1:8080/";

scenario(async function slow(session) {
  const response = await session.get(serverUrl);
  if (response.status !== 200) {
    throw new Error(`expected status 200 from ${serverUrl}, got ${response.status}`);
  }
});
