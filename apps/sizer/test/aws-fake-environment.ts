import { type AwsFake, DEFAULT_FAKE_CREDENTIALS } from "@sizer/aws-fake";

/** The environment that points sizer's AWS clients at a running aws-fake. */
export function fakeEnvironment(fake: AwsFake): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: fake.endpoint,
    AWS_REGION: fake.region,
    AWS_ACCESS_KEY_ID: DEFAULT_FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEFAULT_FAKE_CREDENTIALS.secretAccessKey,
  };
}
