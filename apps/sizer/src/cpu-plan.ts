import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { CpuPinningError, formatCpuList, hasTaskset, pinRunningProcess } from "@sizer/process-kit";
import { SizerError, SizerUsageError } from "./errors.js";

/** process-kit's `formatCpuList` (`0-2,5`) and `hasTaskset`, re-exported for sizer's modules and API. */
export { formatCpuList, hasTaskset };

/** Which cores the service and the load generator run on. */
export interface CpuPlan {
  /** Cores the service is pinned to, or undefined when it is not pinned. */
  serviceCpus: number[] | undefined;
  /** Cores the load generator (sizer itself) is pinned to, or undefined when it is not pinned. */
  loadCpus: number[] | undefined;
  /** True when the service and the load generator may run on the same cores. */
  shared: boolean;
  /** A sentence that says what was decided and why, for the progress output and the report. */
  description: string;
}

/** Parses a CPU list such as `1`, `0-2` or `0,2-3` (taskset's syntax) into sorted core numbers. */
export function parseCpuList(text: string, input: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!match)
      throw new SizerUsageError(
        input,
        `${input} must be a list of cores like 0, 0-1 or 0,2-3; got '${text}'`,
      );
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new SizerUsageError(input, `${input} has a descending range '${part.trim()}'`);
    for (let cpu = first; cpu <= last; cpu += 1) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The cores this process may run on (its affinity), from /proc, else all of them. */
export function allowedCpus(statusFile = "/proc/self/status"): number[] {
  try {
    const line = readFileSync(statusFile, "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("Cpus_allowed_list:"));
    if (line) return parseCpuList(line.slice("Cpus_allowed_list:".length).trim(), "Cpus_allowed_list");
  } catch {
    // Not Linux: fall through.
  }
  return Array.from({ length: availableParallelism() }, (_, cpu) => cpu);
}

/** What {@link planCpus} needs to know. */
export interface CpuPlanInput {
  /** Cores available to the run. */
  available: readonly number[];
  /** The machine that offers `available`, as an error names it (default "this machine"). */
  host?: string | undefined;
  /** `--service-cpus`, when given. */
  serviceCpus?: readonly number[] | undefined;
  /** `--load-cpus`, when given. */
  loadCpus?: readonly number[] | undefined;
  /** Whether sizer starts the service (and so can pin it). False for `--url`. */
  canPinService: boolean;
  /** Whether pinning is possible at all (taskset present, or Docker's --cpuset-cpus). */
  pinning: boolean;
  /**
   * False when the load generator runs on another machine (`sizer aws run`: the service's node is
   * its own): the service is then pinned to every available core, none kept for a generator.
   * Default true.
   */
  loadHere?: boolean;
}

/**
 * Decides where the service and the load generator run. With two cores or more and nothing
 * given, the service gets the last half of the cores (at least one) and the load the others; when
 * the load comes from another machine (`loadHere: false`), the service gets them all.
 */
export function planCpus(input: CpuPlanInput): CpuPlan {
  const available = new Set(input.available);
  for (const [flag, cpus] of [
    ["--service-cpus", input.serviceCpus],
    ["--load-cpus", input.loadCpus],
  ] as const) {
    const missing = cpus?.filter((cpu) => !available.has(cpu)) ?? [];
    if (missing.length > 0) {
      throw new SizerUsageError(
        flag,
        `${flag} names core(s) ${missing.join(",")} but ${input.host ?? "this machine"} offers ${formatCpuList(input.available)}`,
      );
    }
  }
  if ((input.serviceCpus || input.loadCpus) && !input.pinning) {
    throw new SizerError(
      "ERR_SIZER_USAGE",
      "--service-cpus/--load-cpus need the taskset command (util-linux), which was not found",
    );
  }
  if (input.serviceCpus && !input.canPinService) {
    throw new SizerUsageError(
      "--service-cpus",
      "--service-cpus needs a service that sizer starts (--service-cmd or --image), not --url",
    );
  }
  let serviceCpus = input.serviceCpus ? [...input.serviceCpus] : undefined;
  let loadCpus = input.loadCpus ? [...input.loadCpus] : undefined;
  const cores = [...input.available];
  if (input.loadHere === false) {
    if (loadCpus)
      throw new SizerUsageError(
        "--load-cpus",
        "--load-cpus has no meaning here: the load comes from another machine",
      );
    return planWithoutGenerator(input, cores, serviceCpus);
  }
  if (input.pinning && cores.length >= 2) {
    if (!serviceCpus && !loadCpus && input.canPinService) {
      const serviceCount = Math.max(1, Math.floor(cores.length / 2));
      serviceCpus = cores.slice(cores.length - serviceCount);
      loadCpus = cores.slice(0, cores.length - serviceCount);
    } else if (serviceCpus && !loadCpus) {
      const rest = cores.filter((cpu) => !serviceCpus?.includes(cpu));
      loadCpus = rest.length > 0 ? rest : undefined;
    } else if (loadCpus && !serviceCpus && input.canPinService) {
      const rest = cores.filter((cpu) => !loadCpus?.includes(cpu));
      serviceCpus = rest.length > 0 ? rest : undefined;
    }
  }
  const serviceSet = serviceCpus ?? cores;
  const loadSet = loadCpus ?? cores;
  const shared = serviceSet.some((cpu) => loadSet.includes(cpu)) || !input.canPinService;
  let description: string;
  if (!input.canPinService) {
    description = loadCpus
      ? `load generator on core(s) ${formatCpuList(loadCpus)}; the service runs elsewhere and was not pinned`
      : "the service runs outside sizer and was not pinned; it may share cores with the load generator";
  } else if (!input.pinning) {
    description = "taskset was not found: the service and the load generator share the machine's cores";
  } else if (cores.length < 2 && !serviceCpus && !loadCpus) {
    description = "one core only: the service and the load generator share it";
  } else {
    description = `service on core(s) ${serviceCpus ? formatCpuList(serviceCpus) : "any"}, load generator on core(s) ${loadCpus ? formatCpuList(loadCpus) : "any"}${shared ? " (shared)" : ""}`;
  }
  return { serviceCpus, loadCpus, shared, description };
}

/** {@link planCpus} when the load generator runs elsewhere: the service on the cores given, else on all. */
function planWithoutGenerator(
  input: CpuPlanInput,
  cores: number[],
  serviceCpus: number[] | undefined,
): CpuPlan {
  if (!input.canPinService || !input.pinning) {
    return {
      serviceCpus: undefined,
      loadCpus: undefined,
      shared: false,
      description: "the service was not pinned; the load generator runs on another machine",
    };
  }
  const pinned = serviceCpus ?? cores;
  const all = pinned.length === cores.length;
  return {
    serviceCpus: pinned,
    loadCpus: undefined,
    shared: false,
    description: `service on core(s) ${formatCpuList(pinned)} (${all ? "all" : `${pinned.length}`} of the ${cores.length} core(s) here; the load generator runs on another machine)`,
  };
}

/** Sets the CPU affinity of every thread of a running process with `taskset -a -p -c` (process-kit's). */
export function pinProcess(pid: number, cpus: readonly number[], command = "taskset"): void {
  try {
    pinRunningProcess(pid, cpus, command);
  } catch (error) {
    if (error instanceof CpuPinningError)
      throw new SizerError("ERR_SIZER_PINNING", error.message, { cause: error });
    throw error;
  }
}
