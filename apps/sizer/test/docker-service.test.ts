import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkDocker, startDockerService } from "../src/docker-service.js";
import { DockerError } from "../src/errors.js";
import { ServiceLog } from "../src/service-log.js";
import { temporaryFolder } from "./helpers.js";

const folders: Array<{ remove: () => void }> = [];
afterEach(() => {
  for (const folder of folders.splice(0)) folder.remove();
});

/** A stand-in for the docker CLI that runs `script` (sh), with a service log beside it. */
function dockerStandIn(script: string): { docker: string; log: ServiceLog } {
  const folder = temporaryFolder();
  folders.push(folder);
  const docker = join(folder.path, "docker");
  writeFileSync(docker, `#!/bin/sh\n${script}`);
  chmodSync(docker, 0o755);
  return { docker, log: new ServiceLog(join(folder.path, "service.log")) };
}

/** A stand-in for the docker CLI whose engine answers but has no such image and cannot pull it. */
function dockerWithoutTheImage(): { docker: string; log: ServiceLog } {
  return dockerStandIn(`case "$1" in
  info) echo "28.2.2"; exit 0 ;;
  image) echo "Error: No such image: $4" >&2; exit 1 ;;
  pull) echo "Error response from daemon: pull access denied for $2, repository does not exist" >&2; exit 1 ;;
  *) echo "unexpected docker $*" >&2; exit 99 ;;
esac
`);
}

describe("Docker services", () => {
  it("says clearly when no Docker engine answers", async () => {
    const { docker } =
      dockerStandIn(`echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
exit 1
`);
    const error = await checkDocker(docker).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DockerError);
    expect(error).toMatchObject({ code: "ERR_SIZER_DOCKER_UNAVAILABLE" });
    expect((error as Error).message).toMatch(/--image needs a Docker engine, but none answers/);
  });

  it("says clearly when the docker command is missing", async () => {
    const error = await checkDocker("/nonexistent/docker").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SIZER_DOCKER_UNAVAILABLE" });
    expect((error as Error).message).toContain("'/nonexistent/docker' command was not found");
  });

  it("says clearly when the image is missing and cannot be pulled", async () => {
    const { docker, log } = dockerWithoutTheImage();
    const error = await startDockerService({
      image: "sizer/no-such-image:1",
      port: 8080,
      readyTimeoutMs: 5000,
      log,
      docker,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SIZER_IMAGE_NOT_FOUND" });
    expect((error as Error).message).toBe(
      "--image sizer/no-such-image:1: the image is not present and cannot be pulled (Error response from daemon: pull access denied for sizer/no-such-image:1, repository does not exist)",
    );
  });
});
