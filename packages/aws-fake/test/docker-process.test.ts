// Where no Docker engine answers, the fake's nodes run an image's command as a process through a
// `docker` stand-in: driven here through Run Command, as sizer's node scripts drive it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SendCommandCommand } from "@aws-sdk/client-ssm";
import { freePort, temporaryFolder } from "@sizer/test-utils";
import { afterAll, afterEach, expect, it } from "vitest";
import { type AwsFake, managedInstances, NO_ENGINE_NOTE, startAwsFake } from "../src/index.js";
import { clientsFor, invocationResult } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());
let fake: AwsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

it("runs a known image as a pinned process, says so, and follows it with stats, logs, wait, ps and rm", {
  timeout: 60_000,
}, async () => {
  // A service that prints, answers on PORT, and exits 3 when asked to.
  writeFileSync(
    join(folder.path, "service.mjs"),
    'import { createServer } from "node:http";\nconsole.log("up with GREETING=" + process.env.GREETING);\ncreateServer((request, response) => { response.end("ok"); if (request.url === "/exit") setTimeout(() => process.exit(3), 50); }).listen(Number(process.env.PORT), "127.0.0.1");\n',
  );
  fake = await startAwsFake({
    instances: 1,
    processImages: { "demo:1": { command: [process.execPath, "service.mjs"], cwd: folder.path } },
  });
  const { ssm } = clientsFor(fake);
  const [instanceId] = managedInstances(fake).map((instance) => instance.instanceId) as [string];
  const run = async (lines: string[]) => {
    const output = await ssm.send(
      new SendCommandCommand({
        DocumentName: "AWS-RunShellScript",
        InstanceIds: [instanceId],
        Parameters: { commands: lines },
      }),
    );
    return invocationResult(ssm, output.Command?.CommandId as string, instanceId);
  };
  const port = await freePort();
  const started = await run([
    "set -e",
    `docker run -d --name svc --label io.sizer.aws-run=r1 --network host --cpuset-cpus 0 -e PORT=${port} -e GREETING=hi demo:1`,
    "docker inspect --format '{{.HostConfig.CpusetCpus}}' svc",
    "docker ps -a --filter label=io.sizer.aws-run=r1 --format '{{.Names}}'",
  ]);
  expect(started.Status, started.StandardErrorContent).toBe("Success");
  expect(started.StandardErrorContent).toContain(`${NO_ENGINE_NOTE}image demo:1 runs as a process`);
  expect(started.StandardOutputContent?.split("\n").slice(1, 3)).toEqual(["0", "svc"]);
  expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("ok");

  const stats = await run(["timeout 3 docker stats --format '{{.CPUPerc}}|{{.MemUsage}}' svc || true"]);
  expect(stats.StandardOutputContent).toMatch(/^\d+\.\d\d%\|\d+\.\d\dMiB \/ \d+\.\d\dGiB$/m);

  await fetch(`http://127.0.0.1:${port}/exit`);
  const ended = await run([
    "docker wait svc",
    "docker logs --timestamps svc",
    "docker rm -f svc",
    "docker ps -a",
  ]);
  const lines = ended.StandardOutputContent?.trim().split("\n") ?? [];
  expect(lines[0]).toBe("3");
  expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\S+ up with GREETING=hi$/);
  expect(lines.slice(2)).toEqual(["svc"]);

  const unknown = await run(["docker pull other:2"]);
  expect(unknown.Status).toBe("Failed");
  expect(unknown.StandardErrorContent).toContain("no process stands in for it");
  const archive = await run(["docker load -i image.tar"]);
  expect(archive.StandardErrorContent).toContain("cannot be loaded");
});
