// The one list of system programs that the tests use, shared by `npm test` (scripts/test.mjs, which
// installs the missing ones where it can), `.ci/run` (through `npm test`) and the tests themselves
// (which skip by name, with the reason, when a part is missing outside CI).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** @type {import("./system-parts.d.mts").SystemPart[]} */
export const SYSTEM_PARTS = [
  {
    name: "git",
    debianPackages: ["git"],
    usedBy: "moloslave's and sizer --repo's tests (real clones, git daemon)",
    probes: [["git", "--version"]],
  },
  {
    name: "glances",
    debianPackages: ["glances", "python3-bottle"],
    usedBy: "glances-collector's live Glances tests (CSV export and REST server)",
    probes: [
      ["glances", "-V"],
      ["/usr/bin/python3", "-c", "import bottle"],
    ],
  },
  {
    name: "chromium",
    debianPackages: ["chromium"],
    usedBy: "the report's tests in headless Chromium",
    probes: [[process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", "--version"]],
  },
  {
    name: "nginx",
    debianPackages: ["nginx"],
    usedBy: "the benchmarks' nginx server tests",
    probes: [[existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx", "-v"]],
  },
  {
    name: "docker",
    debianPackages: ["docker.io"],
    usedBy: "sizer run --image's tests against a real Docker engine",
    probes: [
      ["docker", "info", "--format", "{{.ServerVersion}}"],
      // An engine can answer and still be unable to unpack a layer (dockerd inside an unprivileged
      // container): build a one-file image from scratch, as the tests' images are, then remove it.
      [
        "sh",
        "-c",
        'd=$(mktemp -d) && printf x > "$d/x" && printf "FROM scratch\\nCOPY x /x\\n" > "$d/Dockerfile" && docker build -q -t sizer-probe:build "$d" > /dev/null 2>&1; s=$?; rm -rf "$d"; docker rmi sizer-probe:build > /dev/null 2>&1; exit $s',
      ],
    ],
    probeMeanings: [
      "the engine does not answer",
      "the engine answers but cannot build an image from scratch",
    ],
    // No registry is reachable here and no bridge is wanted: containers use --network host.
    daemon: ["dockerd", "--bridge=none", "--iptables=false"],
  },
  {
    name: "time",
    debianPackages: ["time"],
    usedBy: "bench/side-by-side.mjs's test (GNU time reads each build's CPU and peak RSS)",
    probes: [["/usr/bin/time", "--version"]],
  },
  {
    name: "molotov",
    debianPackages: ["python3-molotov"],
    usedBy: "the benchmarks' Molotov adapter tests",
    probes: [["molotov", "--version"]],
  },
];

const probed = new Map();

/**
 * Why a system part cannot be used here, or undefined when it can. Probes once per process.
 * @param {string} name
 * @returns {string | undefined}
 */
export function missingReason(name) {
  const part = SYSTEM_PARTS.find((candidate) => candidate.name === name);
  if (part === undefined) throw new Error(`unknown system part '${name}'`);
  if (!probed.has(name)) {
    let reason;
    for (const [command, ...args] of part.probes) {
      const result = spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
      if (result.error !== undefined || result.status !== 0) {
        const index = part.probes.findIndex(
          (probe) => probe[0] === command && probe.slice(1).join("\0") === args.join("\0"),
        );
        const meaning = part.probeMeanings?.[index];
        const shown = meaning === undefined ? [command, ...args].join(" ") : command;
        reason = `${meaning === undefined ? "" : `${meaning}: `}'${shown}' ${result.error ? "was not found" : `failed (exit ${result.status})`}`;
        break;
      }
    }
    probed.set(name, reason);
  }
  return probed.get(name);
}

/** @returns {import("./system-parts.d.mts").SystemPart[]} */
export function missingParts() {
  return SYSTEM_PARTS.filter((part) => missingReason(part.name) !== undefined);
}

/**
 * @param {import("./system-parts.d.mts").SystemPart[]} parts
 * @param {{ sudo?: boolean }} [options]
 */
export function installCommand(parts, options = {}) {
  const packages = parts.flatMap((part) => part.debianPackages);
  const sudo = options.sudo ? "sudo " : "";
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(" ")}`;
}
