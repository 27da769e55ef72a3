// `sizer aws nodes` and `sizer aws cleanup` against aws-fake on loopback, through the real SDK clients.
import { type AwsFake, startAwsFake } from "@sizer/aws-fake";
import { createAwsClients, launchNode, listNodes } from "@sizer/ssm-client";
import { afterEach, describe, expect, it } from "vitest";
import { fakeEnvironment } from "./aws-fake-environment.js";
import { runCli } from "./cli-run.js";

let fake: AwsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Two runs' nodes on a fresh fake: run-a a service and a loader, run-b a service. */
async function fakeWithNodes(
  options: Parameters<typeof startAwsFake>[0] = {},
): Promise<{ env: Record<string, string>; ids: Record<string, string> }> {
  fake = await startAwsFake(options);
  const env = fakeEnvironment(fake);
  const clients = createAwsClients({
    endpoint: fake.endpoint,
    region: fake.region,
    credentials: fake.credentials,
  });
  const launch = (runId: string, role: string, instanceType: string) =>
    launchNode({ ...clients, instanceProfile: "sizer-ssm", creator: "tester@ci", runId, role, instanceType });
  const service = await launch("run-a", "service", "t3.micro");
  const loader = await launch("run-a", "loader", "c6i.large");
  const other = await launch("run-b", "service", "t3.small");
  return { env, ids: { service: service.instanceId, loader: loader.instanceId, other: other.instanceId } };
}

describe("sizer aws nodes", () => {
  it("lists the tagged nodes, narrowed by run and role, as lines or JSON", async () => {
    const { env, ids } = await fakeWithNodes();
    const all = await runCli(["aws", "nodes"], { env });
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split("\n");
    expect(lines[0]).toBe("instance\tstate\ttype\trun\trole\texpires\tprivate-ip");
    expect(
      lines
        .slice(1)
        .map((line) => line.split("\t")[0])
        .sort(),
    ).toEqual(Object.values(ids).sort());
    expect(all.stderr).toContain("3 node(s)");

    const runA = await runCli(["aws", "nodes", "--run-id", "run-a", "--role", "loader", "--json"], { env });
    expect(runA.code).toBe(0);
    const nodes = runA.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { instanceId: string; instanceType: string });
    expect(nodes.map((node) => [node.instanceId, node.instanceType])).toEqual([[ids.loader, "c6i.large"]]);
  });

  it("refuses a flag given twice, an unknown flag, a bad run id and a bad region before any AWS call", async () => {
    const noAws = { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_REGION: "us-east-1" };
    for (const [args, flag] of [
      [["--run-id", "a", "--run-id", "b"], "--run-id"],
      [["--terminate"], "--terminate"],
      [["--run-id", "two words"], "--run-id"],
      [["--region", "Europe"], "--region"],
    ] as const) {
      const outcome = await runCli(["aws", "nodes", ...args], { env: noAws });
      expect(outcome.code, args.join(" ")).toBe(2);
      expect(outcome.stderr, args.join(" ")).toContain(flag);
      expect(outcome.stderr).not.toContain("    at ");
    }
  });
});

describe("sizer aws nodes when AWS throttles", () => {
  it("retries a throttled call and lists the nodes, or says it was throttled (exit 14) once the retries run out", async () => {
    const { env, ids } = await fakeWithNodes({ faults: { throttle: { DescribeInstances: { every: 2 } } } });
    const listed = await runCli(["aws", "nodes", "--json"], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split("\n")).toHaveLength(Object.keys(ids).length);
    await fake?.close();
    fake = await startAwsFake({ faults: { throttle: { DescribeInstances: { every: 1 } } } });
    const refused = await runCli(["aws", "nodes"], { env: fakeEnvironment(fake), timeoutMs: 120_000 });
    expect(refused.code).toBe(14);
    expect(refused.stderr).toMatch(/throttl/i);
    expect(refused.stderr).not.toContain("    at ");
  }, 150_000);
});

describe("sizer aws cleanup", () => {
  it("lists with --dry-run, needs --yes without a terminal, then removes one run's nodes only", async () => {
    const { env, ids } = await fakeWithNodes();
    const started = fake as AwsFake;
    const clients = createAwsClients({
      endpoint: started.endpoint,
      region: started.region,
      credentials: started.credentials,
    });
    const running = async () =>
      (await listNodes(clients.ec2, { states: ["pending", "running"] }))
        .map((node) => node.instanceId)
        .sort();

    const dryRun = await runCli(["aws", "cleanup", "--run-id", "run-a", "--dry-run"], { env });
    expect(dryRun.code).toBe(0);
    expect(dryRun.stderr).toContain("dry run: would terminate 2 node(s)");
    expect(await running()).toEqual(Object.values(ids).sort());

    const unconfirmed = await runCli(["aws", "cleanup", "--run-id", "run-a"], { env });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("--yes");
    expect(await running()).toEqual(Object.values(ids).sort());

    const removed = await runCli(["aws", "cleanup", "--run-id", "run-a", "--yes"], { env });
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain("terminating 2 node(s)");
    expect(await running()).toEqual([ids.other]);

    const rest = await runCli(["aws", "cleanup", "--yes"], { env });
    expect(rest.code).toBe(0);
    expect(await running()).toEqual([]);
    const nothing = await runCli(["aws", "cleanup", "--yes"], { env });
    expect(nothing.code).toBe(0);
    expect(nothing.stderr).toMatch(/terminat\w+ 0 node\(s\)/);
    expect(nothing.stderr).not.toContain("Warning");
  });
});
