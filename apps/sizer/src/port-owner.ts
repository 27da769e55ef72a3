import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** TCP state LISTEN in /proc/net/tcp. */
const LISTEN = "0A";

/**
 * The inodes of the sockets listening on `port` (IPv4 and IPv6), from `/proc/net/tcp` and
 * `/proc/net/tcp6`; null where /proc cannot be read (not Linux).
 */
export function listeningSocketInodes(port: number, procRoot = "/proc"): Set<string> | null {
  const inodes = new Set<string>();
  let readable = false;
  for (const file of ["net/tcp", "net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, file), "utf8");
    } catch {
      continue;
    }
    readable = true;
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== LISTEN) continue;
      const localPort = Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16);
      if (localPort === port && fields[9]) inodes.add(fields[9]);
    }
  }
  return readable ? inodes : null;
}

/** The pids of the processes whose process group is `groupId`. */
function groupMembers(groupId: number, procRoot: string): number[] {
  const members: number[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join(procRoot, entry, "stat"), "utf8");
      // pid (comm) state ppid pgrp ...: the command name may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === groupId) members.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

/**
 * Whether a process of the process group `groupId` (the service's tree, started in its own group)
 * holds a socket listening on `port`: true, false, or null when it cannot be told (not Linux, no
 * listener at all).
 */
export function groupListensOn(groupId: number, port: number, procRoot = "/proc"): boolean | null {
  const inodes = listeningSocketInodes(port, procRoot);
  if (inodes === null || inodes.size === 0) return null;
  for (const pid of groupMembers(groupId, procRoot)) {
    let descriptors: string[];
    try {
      descriptors = readdirSync(join(procRoot, String(pid), "fd"));
    } catch {
      continue;
    }
    for (const descriptor of descriptors) {
      try {
        const target = readlinkSync(join(procRoot, String(pid), "fd", descriptor));
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode !== undefined && inodes.has(inode)) return true;
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return false;
}
