import { existsSync, readFileSync } from "node:fs";
import { processAlive } from "@sizer/test-utils";
import { describe, expect, it } from "vitest";
import {
  CpuPinningError,
  groupAlive,
  pinRunningProcess,
  runCommand,
  startProcess,
  hasTaskset as tasksetRuns,
} from "../dist/index.js";

const hasTaskset = existsSync("/usr/bin/taskset") || existsSync("/bin/taskset");

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 600; tries += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`still waiting for ${what}`);
}

describe("runCommand", () => {
  it("keeps stdout and stderr apart, streams them, and gives the exit code", async () => {
    const streamed: string[] = [];
    const result = await runCommand("sh", ["-c", "echo out; echo err >&2; exit 3"], {
      onOutput: (chunk, stream) => streamed.push(`${stream}:${chunk}`),
    });
    expect(result).toEqual({
      exitCode: 3,
      signal: null,
      stdout: "out\n",
      stderr: "err\n",
      timedOut: false,
      aborted: false,
    });
    expect(streamed.sort()).toEqual(["stderr:err\n", "stdout:out\n"]);
  });

  it("passes arguments as they are, never through a shell", async () => {
    const result = await runCommand("printf", ["%s|", "$HOME", "a b", "`id`"]);
    expect(result.stdout).toBe("$HOME|a b|`id`|");
  });

  it("keeps only the end of a long output", async () => {
    const result = await runCommand("sh", ["-c", "printf 'abcdefghij%.0s' $(seq 100)"], {
      maxOutputCharacters: 15,
    });
    expect(result.stdout).toBe("fghijabcdefghij");
  });

  it("reports a signal that ended the command", async () => {
    const result = await runCommand("sh", ["-c", "kill -TERM $$"]);
    expect(result).toMatchObject({ exitCode: null, signal: "SIGTERM" });
  });

  it("rejects when the program does not exist", async () => {
    await expect(runCommand("no-such-program-sizer", [])).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("at the deadline ends the whole group, SIGKILL for what ignores SIGTERM", async () => {
    // The grandchild ignores SIGTERM and keeps the pipes open: only SIGKILL to the group ends it.
    const script = "trap '' TERM; sh -c \"trap '' TERM; sleep 600\" & echo $!; wait";
    let grandchild = 0;
    const result = await runCommand("sh", ["-c", script], {
      timeoutMs: 300,
      killGraceMs: 200,
      onOutput: (chunk) => {
        grandchild ||= Number.parseInt(chunk, 10);
      },
    });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    expect(grandchild).toBeGreaterThan(0);
    await waitFor(() => !processAlive(grandchild), `process ${grandchild} to be gone`);
  });

  it("stops the command when the signal aborts, and does not start it when aborted already", async () => {
    const controller = new AbortController();
    const running = runCommand("sleep", ["600"], {
      signal: controller.signal,
      onSpawn: () => controller.abort(),
    });
    await expect(running).resolves.toMatchObject({ aborted: true, timedOut: false, signal: "SIGTERM" });
    let started = false;
    const result = await runCommand("sh", ["-c", "echo ran"], {
      signal: controller.signal,
      onSpawn: () => {
        started = true;
      },
    });
    expect(result).toMatchObject({ aborted: true, stdout: "", exitCode: null });
    expect(started).toBe(false);
  });

  it.skipIf(!hasTaskset)("pins the command to the given cores with taskset", async () => {
    const result = await runCommand("cat", ["/proc/self/status"], { cpus: [0] });
    expect(result.stdout).toMatch(/^Cpus_allowed_list:\s+0$/m);
    const unpinned = readFileSync("/proc/self/status", "utf8").match(/^Cpus_allowed_list:.*$/m)?.[0];
    const plain = await runCommand("cat", ["/proc/self/status"]);
    expect(plain.stdout).toContain(unpinned);
  });
});

describe("startProcess", () => {
  it("runs a long-lived process in its own group until stop ends the group", async () => {
    const running = startProcess(["sh", "-c", "sleep 600 & sleep 600"]);
    await running.spawned;
    const pid = running.pid as number;
    expect(groupAlive(pid)).toBe(true);
    expect(running.exit()).toBeUndefined();
    expect(await running.stop()).toBe("terminated");
    expect(groupAlive(pid)).toBe(false);
    expect(await running.exited).toEqual({ exitCode: null, signal: "SIGTERM" });
    expect(await running.stop()).toBe("terminated");
  });

  it("rejects `spawned` and ends `exited` when the program cannot start", async () => {
    const running = startProcess(["/no/such/program"]);
    await expect(running.spawned).rejects.toMatchObject({ code: "ENOENT" });
    expect(await running.exited).toEqual({ exitCode: null, signal: null });
    expect(await running.stop()).toBe("none");
  });
});

describe("pinRunningProcess", () => {
  it.skipIf(!hasTaskset)(
    "pins a running process, and says why it cannot pin it to a core that does not exist",
    async () => {
      expect(tasksetRuns()).toBe(true);
      expect(tasksetRuns("/no/such/taskset")).toBe(false);
      const running = startProcess(["sleep", "600"]);
      await running.spawned;
      const pid = running.pid as number;
      pinRunningProcess(pid, [0]);
      expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(/^Cpus_allowed_list:\s+0$/m);
      expect(() => pinRunningProcess(pid, [4095])).toThrow(CpuPinningError);
      expect(() => pinRunningProcess(pid, [4094, 4095])).toThrow(
        `taskset could not pin process ${pid} to 4094-4095:`,
      );
      await running.stop();
    },
  );
});
