import { parentPort, workerData } from "node:worker_threads";
import { LoadEngine } from "./engine/load-engine.js";
import {
  createThreadMonitor,
  type ParentMessage,
  type ThreadData,
  type ThreadMessage,
} from "./engine/load-process.js";
import { getRegistry, resetRegistry } from "./engine/registry.js";
import { loadScenarioFile } from "./engine/scenario-loader.js";
import { LoadcoreError } from "./errors.js";

/** Entry of a generator worker thread (`--processes N`): loads the scenario, runs its share of workers. */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("worker-thread.js must run in a worker thread");
  const data = workerData as ThreadData;
  const send = (message: ThreadMessage) => port.postMessage(message);
  try {
    resetRegistry();
    for (const extension of data.extensions)
      await loadScenarioFile(extension, { cwd: data.cwd, what: "extension" });
    await loadScenarioFile(data.scenarioFile, { cwd: data.cwd });
  } catch (error) {
    const code = error instanceof LoadcoreError ? error.code : "ERR_LOADCORE_SCENARIO_LOAD";
    send({ type: "failed", code, message: error instanceof Error ? error.message : String(error) });
    return;
  }
  const registry = getRegistry();
  const monitor = createThreadMonitor();
  const engine = new LoadEngine(data.settings, registry, {
    print: (text) => send({ type: "print", stream: "stdout", text }),
    printError: (text) => send({ type: "print", stream: "stderr", text }),
    requestStop: (reason) => send({ type: "stop-request", reason }),
  });
  const report = () => ({
    interval: engine.recorder.drain(),
    active: engine.active,
    peakActive: engine.takePeakActive(),
    started: engine.started,
    eventLoopDelayMs: monitor.sample().eventLoopDelayMs,
    setupFailures: engine.setupFailures,
    ...(engine.arrivals === undefined ? {} : { arrivals: engine.arrivals }),
    ...(engine.firstSetupFailure === undefined ? {} : { firstSetupFailure: engine.firstSetupFailure }),
  });
  port.on("message", (message: ParentMessage) => {
    switch (message.type) {
      case "prepare":
        for (const [name, value] of Object.entries(message.variables)) registry.variables.set(name, value);
        void engine.prepare(message.plan).then(
          () => send({ type: "prepared" }),
          () => send({ type: "prepared" }),
        );
        break;
      case "start":
        for (const [name, value] of Object.entries(message.variables)) registry.variables.set(name, value);
        void engine.run(message.plans).then(
          () => {
            const final = report();
            monitor.stop();
            send({ type: "done", report: final });
            port.close();
          },
          (error: unknown) => {
            send({ type: "print", stream: "stderr", text: `worker thread failed: ${String(error)}` });
            send({ type: "done", report: report() });
            port.close();
          },
        );
        break;
      case "report":
        send({ type: "report", report: report() });
        break;
      case "stop":
        engine.stop(message.force);
        break;
    }
  });
  send({ type: "ready" });
}

void main();
