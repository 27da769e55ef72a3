// loadcore scenario of the hello-world benchmark (bench/hello.mjs): one GET and a status check,
// the same work as bench/scenarios/hello_molotov.py and as one autocannon request.
import { scenario } from "@sizer/loadcore";

const serverUrl = process.env.SERVER_URL ?? "http://127.0.0.1:8080/";

scenario(async function hello(session) {
  const response = await session.get(serverUrl);
  if (response.status !== 200) {
    throw new Error(`expected status 200 from ${serverUrl}, got ${response.status}`);
  }
});
