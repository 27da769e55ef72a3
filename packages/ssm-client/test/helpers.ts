import { type AwsFake, type AwsFakeOptions, managedInstances, startAwsFake } from "@sizer/aws-fake";
import { afterEach } from "vitest";
import { type AwsClientOptions, type AwsClients, createAwsClients } from "../src/index.js";

/** Fast polling for tests: the fake answers in milliseconds. */
export const FAST_POLL = { initialDelayMs: 20, maxDelayMs: 100 } as const;

const running: AwsFake[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

/** Starts a fake (closed after the test) and the real SDK clients pointed at it. */
export async function fakeAws(
  options: AwsFakeOptions = {},
  clientOptions: AwsClientOptions = {},
): Promise<{ fake: AwsFake; clients: AwsClients; instanceIds: string[] }> {
  const fake = await startAwsFake(options);
  running.push(fake);
  const clients = createAwsClients({
    endpoint: fake.endpoint,
    region: fake.region,
    credentials: fake.credentials,
    ...clientOptions,
  });
  return { fake, clients, instanceIds: managedInstances(fake).map((instance) => instance.instanceId) };
}
