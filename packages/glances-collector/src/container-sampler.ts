import { readdir, readlink } from "node:fs/promises";
import {
  type CgroupMounts,
  parseBlkioServiceBytes,
  parseCfsQuota,
  parseCgroupMounts,
  parseCpuMax,
  parseIoStat,
  parseKeyValues,
  parseMemoryLimit,
  parsePidCgroup,
} from "./cgroup-parsers.js";
import { ContainerNotFoundError, InvalidOptionError } from "./errors.js";
import { sanitiseName } from "./metric-catalogue.js";
import { parseNetDev } from "./proc-parsers.js";
import { readKernelFile } from "./read-text.js";

/**
 * A container to watch: a Docker/Podman container id (full or a unique prefix), a cgroup path
 * (`/system.slice/docker-<id>.scope`, relative to the cgroup roots, or absolute under a mount), or
 * the cgroup of a pid. As a string: `<id>`, `/<cgroup path>` or `pid:<pid>`; `name=` in front sets
 * the metric name (`web=pid:1234`).
 */
export type ContainerSpec = string | { name?: string; id?: string; cgroup?: string; pid?: number };

/** The cgroup directories of one container, per controller. */
export interface ContainerTarget {
  name: string;
  /** cgroup v2 directory. */
  unified: string | undefined;
  /** cgroup v1 directories. */
  cpuacct: string | undefined;
  cpu: string | undefined;
  memory: string | undefined;
  blkio: string | undefined;
  /** A pid inside, for the network namespace; looked up in cgroup.procs when not given. */
  pid: number | undefined;
}

/** Where the container sampler looks; tests point these at recorded trees. */
export interface ContainerSamplerOptions {
  procRoot?: string;
  /** Mount points of the cgroup hierarchies; read from `/proc/self/mountinfo` when not given. */
  mounts?: CgroupMounts;
}

interface ContainerCounters {
  cpuNanoseconds: number | undefined;
  readBytes: number | undefined;
  writeBytes: number | undefined;
  rxBytes: number | undefined;
  txBytes: number | undefined;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** Reads containers' cgroups (v2, and v1 where mounted) and their network namespace's counters. */
export class ContainerSampler {
  readonly #specs: ContainerSpec[];
  readonly #procRoot: string;
  #mounts: CgroupMounts | undefined;
  #targets: ContainerTarget[] = [];
  #previous = new Map<string, { monotonicMs: number; counters: ContainerCounters }>();
  #separateNetwork = new Map<string, boolean>();
  #gone = new Set<string>();

  constructor(specs: ContainerSpec[], options: ContainerSamplerOptions = {}) {
    this.#specs = specs;
    this.#procRoot = options.procRoot ?? "/proc";
    this.#mounts = options.mounts;
  }

  /** The resolved containers. */
  get targets(): readonly ContainerTarget[] {
    return this.#targets;
  }

  /** Resolves every spec to cgroup directories; throws `ContainerNotFoundError` for one that matches none. */
  async initialise(): Promise<void> {
    if (!this.#mounts) {
      const mountinfo = readKernelFile(`${this.#procRoot}/self/mountinfo`);
      this.#mounts = parseCgroupMounts(mountinfo ?? "");
    }
    const targets: ContainerTarget[] = [];
    for (const spec of this.#specs) targets.push(await resolveContainer(spec, this.#mounts, this.#procRoot));
    const names = new Set<string>();
    for (const target of targets) {
      if (names.has(target.name)) {
        throw new InvalidOptionError(
          "containers",
          `two containers are both named "${target.name}"; give names`,
        );
      }
      names.add(target.name);
    }
    this.#targets = targets;
  }

  /** Adds every container's metrics to `values`; returns notes. */
  async sample(monotonicMs: number, values: Record<string, number>): Promise<string[]> {
    const notes: string[] = [];
    await Promise.all(this.#targets.map((target) => this.#sampleOne(target, monotonicMs, values, notes)));
    return notes;
  }

  async #sampleOne(
    target: ContainerTarget,
    monotonicMs: number,
    values: Record<string, number>,
    notes: string[],
  ): Promise<void> {
    if (this.#gone.has(target.name)) return;
    const prefix = `container.${target.name}`;
    const counters: ContainerCounters = {
      cpuNanoseconds: undefined,
      readBytes: undefined,
      writeBytes: undefined,
      rxBytes: undefined,
      txBytes: undefined,
    };
    let seen = false;

    // CPU: v1 cpuacct.usage (ns) where mounted, else v2 cpu.stat usage_usec.
    if (target.cpuacct) {
      const text = readKernelFile(`${target.cpuacct}/cpuacct.usage`);
      if (text !== undefined) {
        seen = true;
        counters.cpuNanoseconds = Number(text.trim());
      }
    } else if (target.unified) {
      const text = readKernelFile(`${target.unified}/cpu.stat`);
      if (text !== undefined) {
        seen = true;
        const usage = parseKeyValues(text).get("usage_usec");
        if (usage !== undefined) counters.cpuNanoseconds = usage * 1000;
      }
    }
    const limit = await readCpuLimit(target);
    if (limit !== undefined) values[`${prefix}.cpu.limit`] = round(limit);

    // Memory: usage minus inactive file, like `docker stats`.
    const memory = await readMemory(target);
    if (memory.usage !== undefined) {
      seen = true;
      values[`${prefix}.mem.usage`] = memory.usage;
    }
    if (memory.limit !== undefined) values[`${prefix}.mem.limit`] = memory.limit;

    const io = await readIo(target);
    if (io) {
      seen = true;
      counters.readBytes = io.readBytes;
      counters.writeBytes = io.writeBytes;
    }

    const network = await this.#readNetwork(target, notes);
    if (network) {
      counters.rxBytes = network.rxBytes;
      counters.txBytes = network.txBytes;
    }

    if (!seen) {
      this.#gone.add(target.name);
      notes.push(`container ${target.name}: its cgroup is gone; container metrics end here`);
      return;
    }

    const previous = this.#previous.get(target.name);
    this.#previous.set(target.name, { monotonicMs, counters });
    if (!previous) return;
    const seconds = (monotonicMs - previous.monotonicMs) / 1000;
    if (seconds <= 0) return;
    const before = previous.counters;
    const perSecond = (now: number | undefined, then: number | undefined): number | undefined =>
      now === undefined || then === undefined ? undefined : round(Math.max(0, now - then) / seconds);
    const cpu = perSecond(counters.cpuNanoseconds, before.cpuNanoseconds);
    if (cpu !== undefined) values[`${prefix}.cpu.percent`] = round(cpu / 1e7);
    setIfDefined(values, `${prefix}.io.read_bytes`, perSecond(counters.readBytes, before.readBytes));
    setIfDefined(values, `${prefix}.io.write_bytes`, perSecond(counters.writeBytes, before.writeBytes));
    setIfDefined(values, `${prefix}.net.rx_bytes`, perSecond(counters.rxBytes, before.rxBytes));
    setIfDefined(values, `${prefix}.net.tx_bytes`, perSecond(counters.txBytes, before.txBytes));
  }

  /** Bytes of every non-loopback interface of the container's network namespace, when it has its own. */
  async #readNetwork(
    target: ContainerTarget,
    notes: string[],
  ): Promise<{ rxBytes: number; txBytes: number } | undefined> {
    const pid = target.pid ?? firstPid(target);
    if (pid === undefined) return undefined;
    // Whether the namespace is the host's is decided once per container: it does not change.
    let separate = this.#separateNetwork.get(target.name);
    if (separate === undefined) {
      try {
        const [own, theirs] = await Promise.all([
          readlink(`${this.#procRoot}/self/ns/net`),
          readlink(`${this.#procRoot}/${pid}/ns/net`),
        ]);
        separate = own !== theirs;
      } catch {
        return undefined;
      }
      this.#separateNetwork.set(target.name, separate);
      if (!separate) {
        notes.push(
          `container ${target.name} shares the host's network namespace: its network metrics are the host's (host.net.*), not repeated`,
        );
      }
    }
    if (!separate) return undefined;
    const text = readKernelFile(`${this.#procRoot}/${pid}/net/dev`);
    if (text === undefined) return undefined;
    let rxBytes = 0;
    let txBytes = 0;
    for (const item of parseNetDev(text)) {
      if (item.name === "lo") continue;
      rxBytes += item.rxBytes;
      txBytes += item.txBytes;
    }
    return { rxBytes, txBytes };
  }
}

function setIfDefined(values: Record<string, number>, name: string, value: number | undefined): void {
  if (value !== undefined) values[name] = value;
}

async function readCpuLimit(target: ContainerTarget): Promise<number | undefined> {
  if (target.cpu) {
    const [quota, period] = [
      readKernelFile(`${target.cpu}/cpu.cfs_quota_us`),
      readKernelFile(`${target.cpu}/cpu.cfs_period_us`),
    ];
    if (quota !== undefined && period !== undefined) return parseCfsQuota(quota, period);
  }
  if (target.unified) {
    const text = readKernelFile(`${target.unified}/cpu.max`);
    if (text !== undefined) return parseCpuMax(text);
  }
  return undefined;
}

async function readMemory(target: ContainerTarget): Promise<{ usage?: number; limit?: number }> {
  if (target.memory) {
    const [usage, stat, limit] = [
      readKernelFile(`${target.memory}/memory.usage_in_bytes`),
      readKernelFile(`${target.memory}/memory.stat`),
      readKernelFile(`${target.memory}/memory.limit_in_bytes`),
    ];
    if (usage !== undefined) {
      const inactive = stat === undefined ? 0 : (parseKeyValues(stat).get("total_inactive_file") ?? 0);
      return {
        usage: Math.max(0, Number(usage.trim()) - inactive),
        limit: limit === undefined ? undefined : parseMemoryLimit(limit),
      };
    }
  }
  if (target.unified) {
    const [current, stat, max] = [
      readKernelFile(`${target.unified}/memory.current`),
      readKernelFile(`${target.unified}/memory.stat`),
      readKernelFile(`${target.unified}/memory.max`),
    ];
    if (current !== undefined) {
      const inactive = stat === undefined ? 0 : (parseKeyValues(stat).get("inactive_file") ?? 0);
      return {
        usage: Math.max(0, Number(current.trim()) - inactive),
        limit: max === undefined ? undefined : parseMemoryLimit(max),
      };
    }
  }
  return {};
}

async function readIo(
  target: ContainerTarget,
): Promise<{ readBytes: number; writeBytes: number } | undefined> {
  if (target.blkio) {
    const text =
      readKernelFile(`${target.blkio}/blkio.throttle.io_service_bytes_recursive`) ??
      readKernelFile(`${target.blkio}/blkio.throttle.io_service_bytes`);
    if (text !== undefined) return parseBlkioServiceBytes(text);
  }
  if (target.unified) {
    const text = readKernelFile(`${target.unified}/io.stat`);
    if (text !== undefined) return parseIoStat(text);
  }
  return undefined;
}

function firstPid(target: ContainerTarget): number | undefined {
  for (const directory of [target.unified, target.memory, target.cpuacct, target.blkio]) {
    if (!directory) continue;
    const text = readKernelFile(`${directory}/cgroup.procs`);
    const first = text?.split("\n")[0]?.trim();
    if (first) return Number(first);
  }
  return undefined;
}

/** Turns the string form of a container spec into its object form. */
export function parseContainerSpec(spec: ContainerSpec): {
  name?: string;
  id?: string;
  cgroup?: string;
  pid?: number;
} {
  if (typeof spec !== "string") return spec;
  let text = spec.trim();
  let name: string | undefined;
  const equals = text.indexOf("=");
  if (equals > 0 && !text.slice(0, equals).includes("/")) {
    name = text.slice(0, equals);
    text = text.slice(equals + 1);
  }
  if (text.length === 0) throw new InvalidOptionError("container", `container "${spec}" is empty`);
  const base = name === undefined ? {} : { name };
  if (text.startsWith("pid:")) {
    const pid = Number(text.slice(4));
    if (!Number.isInteger(pid) || pid <= 0) {
      throw new InvalidOptionError("container", `container "${spec}": expected pid:<positive integer>`);
    }
    return { ...base, pid };
  }
  if (text.startsWith("/")) return { ...base, cgroup: text };
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const hex = (code >= 48 && code <= 57) || (code >= 97 && code <= 102);
    if (!hex) {
      throw new InvalidOptionError(
        "container",
        `container "${spec}": expected a container id (hex), a cgroup path starting with / or pid:<pid>`,
      );
    }
  }
  return { ...base, id: text };
}

type Controller = "unified" | "cpuacct" | "cpu" | "memory" | "blkio";
const V1_CONTROLLERS: Controller[] = ["cpuacct", "cpu", "memory", "blkio"];

function hierarchyRoots(mounts: CgroupMounts): [Controller, string][] {
  const roots: [Controller, string][] = [];
  if (mounts.unified) roots.push(["unified", mounts.unified]);
  for (const controller of V1_CONTROLLERS) {
    const mountPoint = mounts.v1.get(controller);
    if (mountPoint) roots.push([controller, mountPoint]);
  }
  return roots;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}

/** Resolves one container spec to its cgroup directories. */
export async function resolveContainer(
  spec: ContainerSpec,
  mounts: CgroupMounts,
  procRoot = "/proc",
): Promise<ContainerTarget> {
  const parsed = parseContainerSpec(spec);
  const label = typeof spec === "string" ? spec : JSON.stringify(spec);
  const target: ContainerTarget = {
    name: "",
    unified: undefined,
    cpuacct: undefined,
    cpu: undefined,
    memory: undefined,
    blkio: undefined,
    pid: parsed.pid,
  };
  const roots = hierarchyRoots(mounts);
  let nameSource = "";

  if (parsed.pid !== undefined) {
    const text = readKernelFile(`${procRoot}/${parsed.pid}/cgroup`);
    if (text === undefined)
      throw new ContainerNotFoundError(label, `container ${label}: no process ${parsed.pid}`);
    for (const entry of parsePidCgroup(text)) {
      if (entry.controllers.length === 0 && entry.hierarchy === 0 && mounts.unified) {
        target.unified = joinCgroup(mounts.unified, entry.path);
        nameSource ||= entry.path;
      }
      for (const controller of V1_CONTROLLERS) {
        const mountPoint = mounts.v1.get(controller);
        if (mountPoint && entry.controllers.includes(controller)) {
          target[controller] = joinCgroup(mountPoint, entry.path);
          if (controller === "memory" && entry.path !== "/") nameSource = entry.path;
        }
      }
    }
    nameSource = nameSource === "" || nameSource === "/" ? `pid-${parsed.pid}` : nameSource;
  } else if (parsed.cgroup !== undefined) {
    let relative = parsed.cgroup;
    for (const [, root] of roots) {
      if (relative === root || relative.startsWith(`${root}/`)) relative = relative.slice(root.length) || "/";
    }
    for (const [controller, root] of roots) {
      const directory = joinCgroup(root, relative);
      if (await isDirectory(directory)) target[controller] = directory;
    }
    nameSource = relative;
  } else if (parsed.id !== undefined) {
    const id = parsed.id;
    if (id.length < 4)
      throw new InvalidOptionError("container", `container id "${id}" is too short (4+ hex digits)`);
    for (const [controller, root] of roots) {
      const found = await findContainerDirectory(root, id, label);
      if (found) target[controller] = found.directory;
      if (found) nameSource = found.fullId.slice(0, 12);
    }
  }
  if (!target.unified && !target.cpuacct && !target.memory && !target.blkio && !target.cpu) {
    throw new ContainerNotFoundError(
      label,
      `container ${label}: no matching cgroup under ${roots.map(([, root]) => root).join(", ") || "any cgroup mount"}`,
    );
  }
  const segments = nameSource.split("/").filter((segment) => segment.length > 0);
  target.name = sanitiseName(parsed.name ?? shortName(segments[segments.length - 1] ?? "root"));
  return target;
}

function joinCgroup(root: string, path: string): string {
  return path === "/" ? root : `${root}${path.startsWith("/") ? "" : "/"}${path}`;
}

/** `docker-<64 hex>.scope` or `<64 hex>` becomes the 12-digit short id Docker shows. */
function shortName(segment: string): string {
  let core = segment;
  const dash = core.lastIndexOf("-");
  if (core.endsWith(".scope")) core = core.slice(dash + 1, -6);
  return core.length === 64 ? core.slice(0, 12) : segment;
}

const CONTAINER_PARENTS = ["system.slice", "docker", "machine.slice", "libpod_parent"];

async function findContainerDirectory(
  root: string,
  id: string,
  label: string,
): Promise<{ directory: string; fullId: string } | undefined> {
  const matches: { directory: string; fullId: string }[] = [];
  for (const parent of CONTAINER_PARENTS) {
    let entries: string[];
    try {
      entries = await readdir(`${root}/${parent}`);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const dash = entry.lastIndexOf("-");
      const fullId = entry.endsWith(".scope") ? entry.slice(dash + 1, -6) : entry;
      if (fullId.startsWith(id)) matches.push({ directory: `${root}/${parent}/${entry}`, fullId });
    }
  }
  if (matches.length > 1 && new Set(matches.map((match) => match.fullId)).size > 1) {
    throw new InvalidOptionError(
      "container",
      `container id "${label}" matches several containers; give more digits`,
    );
  }
  return matches[0];
}
