import { readdir } from "node:fs/promises";
import { sanitiseName } from "./metric-catalogue.js";
import {
  type CpuTimes,
  cpuTotal,
  type DiskCounters,
  type InterfaceCounters,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
} from "./proc-parsers.js";
import { readKernelFile } from "./read-text.js";

/** Where the host sampler reads; tests point these at recorded trees. */
export interface HostSamplerOptions {
  procRoot?: string;
  sysRoot?: string;
}

interface HostCounters {
  monotonicMs: number;
  cpus: CpuTimes[];
  disks: DiskCounters[];
  interfaces: InterfaceCounters[];
}

const round = (value: number): number => Math.round(value * 100) / 100;

/**
 * Samples the host from `/proc/stat`, `/proc/meminfo`, `/proc/loadavg`, `/proc/diskstats` and
 * `/proc/net/dev`. Rates and CPU percentages need two readings: the first call yields gauges only.
 */
export class HostSampler {
  readonly #procRoot: string;
  readonly #sysRoot: string;
  #previous: HostCounters | undefined;
  /** Whole disks (from /sys/block), or undefined to keep every non-virtual device. */
  #wholeDisks: Set<string> | undefined;
  #speeds = new Map<string, number>();
  #initialised = false;

  constructor(options: HostSamplerOptions = {}) {
    this.#procRoot = options.procRoot ?? "/proc";
    this.#sysRoot = options.sysRoot ?? "/sys";
  }

  async #initialise(): Promise<void> {
    this.#initialised = true;
    try {
      this.#wholeDisks = new Set(await readdir(`${this.#sysRoot}/block`));
    } catch {
      this.#wholeDisks = undefined;
    }
    try {
      for (const name of await readdir(`${this.#sysRoot}/class/net`)) {
        try {
          const text = readKernelFile(`${this.#sysRoot}/class/net/${name}/speed`);
          const megabits = Number(text?.trim());
          if (text !== undefined && megabits > 0) this.#speeds.set(name, megabits * 1_000_000);
        } catch {
          // EINVAL for interfaces without a link speed (lo, virtual devices): the speed stays absent.
        }
      }
    } catch {
      // No /sys/class/net: speeds stay absent.
    }
  }

  /** Adds this reading's host metrics to `values`. */
  async sample(monotonicMs: number, values: Record<string, number>): Promise<void> {
    if (!this.#initialised) await this.#initialise();
    const [statText, meminfoText, loadText, diskText, netText] = [
      readKernelFile(`${this.#procRoot}/stat`),
      readKernelFile(`${this.#procRoot}/meminfo`),
      readKernelFile(`${this.#procRoot}/loadavg`),
      readKernelFile(`${this.#procRoot}/diskstats`),
      readKernelFile(`${this.#procRoot}/net/dev`),
    ];
    const current: HostCounters = {
      monotonicMs,
      cpus: statText === undefined ? [] : parseProcStat(statText),
      disks:
        diskText === undefined ? [] : parseDiskstats(diskText).filter((disk) => this.#keepDisk(disk.name)),
      interfaces: netText === undefined ? [] : parseNetDev(netText),
    };
    const previous = this.#previous;
    this.#previous = current;

    const cores = current.cpus.filter((cpu) => cpu.core !== undefined);
    if (cores.length > 0) values["host.cpu.count"] = cores.length;
    if (meminfoText !== undefined) this.#memory(parseMeminfo(meminfoText), values);
    if (loadText !== undefined) {
      const [one, five, fifteen] = parseLoadavg(loadText);
      values["host.load.1"] = one;
      values["host.load.5"] = five;
      values["host.load.15"] = fifteen;
    }
    for (const [name, speed] of this.#speeds) {
      if (current.interfaces.some((item) => item.name === name)) {
        values[`host.net.${sanitiseName(name)}.speed`] = speed;
      }
    }
    if (previous === undefined) return;
    const seconds = (monotonicMs - previous.monotonicMs) / 1000;
    if (seconds <= 0) return;
    this.#cpu(previous.cpus, current.cpus, values);
    this.#disks(previous.disks, current.disks, seconds, values);
    this.#network(previous.interfaces, current.interfaces, seconds, values);
  }

  #keepDisk(name: string): boolean {
    if (name.startsWith("loop") || name.startsWith("ram")) return false;
    return this.#wholeDisks === undefined || this.#wholeDisks.has(name);
  }

  #memory(meminfo: Map<string, number>, values: Record<string, number>): void {
    const total = meminfo.get("MemTotal");
    const available = meminfo.get("MemAvailable");
    if (total !== undefined && total > 0) {
      values["host.mem.total"] = total;
      if (available !== undefined) {
        values["host.mem.available"] = available;
        values["host.mem.used"] = total - available;
        values["host.mem.percent"] = round(((total - available) / total) * 100);
      }
    }
    const swapTotal = meminfo.get("SwapTotal");
    const swapFree = meminfo.get("SwapFree");
    if (swapTotal !== undefined && swapFree !== undefined) {
      values["host.swap.used"] = swapTotal - swapFree;
      values["host.swap.percent"] = swapTotal > 0 ? round(((swapTotal - swapFree) / swapTotal) * 100) : 0;
    }
  }

  #cpu(previous: CpuTimes[], current: CpuTimes[], values: Record<string, number>): void {
    for (const now of current) {
      const before = previous.find((item) => item.core === now.core);
      if (!before) continue;
      const total = cpuTotal(now) - cpuTotal(before);
      if (total <= 0) continue;
      const idle = now.idle - before.idle + (now.iowait - before.iowait);
      const busy = round(clampPercent(((total - idle) / total) * 100));
      if (now.core === undefined) {
        values["host.cpu.percent"] = busy;
        values["host.cpu.user"] = round(clampPercent(((now.user - before.user) / total) * 100));
        values["host.cpu.system"] = round(clampPercent(((now.system - before.system) / total) * 100));
        values["host.cpu.iowait"] = round(clampPercent(((now.iowait - before.iowait) / total) * 100));
        values["host.cpu.steal"] = round(clampPercent(((now.steal - before.steal) / total) * 100));
      } else {
        values[`host.cpu.core.${now.core}.percent`] = busy;
      }
    }
  }

  #disks(
    previous: DiskCounters[],
    current: DiskCounters[],
    seconds: number,
    values: Record<string, number>,
  ): void {
    for (const now of current) {
      const before = previous.find((item) => item.name === now.name);
      if (!before) continue;
      const prefix = `host.disk.${sanitiseName(now.name)}`;
      values[`${prefix}.read_bytes`] = rate(now.readBytes, before.readBytes, seconds);
      values[`${prefix}.write_bytes`] = rate(now.writeBytes, before.writeBytes, seconds);
      values[`${prefix}.read_ops`] = rate(now.readOps, before.readOps, seconds);
      values[`${prefix}.write_ops`] = rate(now.writeOps, before.writeOps, seconds);
      values[`${prefix}.util`] = round(clampPercent((now.busyMs - before.busyMs) / (seconds * 10)));
    }
  }

  #network(
    previous: InterfaceCounters[],
    current: InterfaceCounters[],
    seconds: number,
    values: Record<string, number>,
  ): void {
    for (const now of current) {
      const before = previous.find((item) => item.name === now.name);
      if (!before) continue;
      const prefix = `host.net.${sanitiseName(now.name)}`;
      values[`${prefix}.rx_bytes`] = rate(now.rxBytes, before.rxBytes, seconds);
      values[`${prefix}.tx_bytes`] = rate(now.txBytes, before.txBytes, seconds);
      values[`${prefix}.rx_packets`] = rate(now.rxPackets, before.rxPackets, seconds);
      values[`${prefix}.tx_packets`] = rate(now.txPackets, before.txPackets, seconds);
      values[`${prefix}.rx_errors`] = rate(now.rxErrors, before.rxErrors, seconds);
      values[`${prefix}.tx_errors`] = rate(now.txErrors, before.txErrors, seconds);
      values[`${prefix}.rx_drops`] = rate(now.rxDrops, before.rxDrops, seconds);
      values[`${prefix}.tx_drops`] = rate(now.txDrops, before.txDrops, seconds);
    }
  }
}

function clampPercent(value: number): number {
  return Math.max(0, Math.min(value, 100));
}

/** A per-second rate from two counter readings; a counter that went backwards (reset, wrap) counts from 0. */
export function rate(now: number, before: number, seconds: number): number {
  const delta = now >= before ? now - before : now;
  return round(delta / seconds);
}
