// An HTTP server on 127.0.0.1 that stalls, in its own process (thousands of connections stay off the
// test's event loop). STALL=headers (default): reads requests, never answers. STALL=body: answers the
// headers and the first 5 of 100 body bytes, then nothing. STALL=drip: sends the 100 body bytes one by
// one, DRIP_MS apart. Prints "listening on http://127.0.0.1:PORT".
import { createServer } from "node:net";

const mode = process.env.STALL ?? "headers";
const dripMs = Number(process.env.DRIP_MS ?? "100");
const head = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n";

const server = createServer((socket) => {
  socket.on("error", () => {});
  let answered = false;
  socket.on("data", () => {
    if (answered || mode === "headers") return;
    answered = true;
    if (mode === "body") {
      socket.write(`${head}hello`);
      return;
    }
    socket.write(head);
    let sent = 0;
    const timer = setInterval(() => {
      sent += 1;
      socket.write("x");
      if (sent === 100) clearInterval(timer);
    }, dripMs);
    socket.on("close", () => clearInterval(timer));
  });
});
server.listen({ port: 0, host: "127.0.0.1", backlog: 8192 }, () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
