import { randomUUID } from "node:crypto";
import type { FaultPlan, Throttler } from "./faults.js";
import {
  FAKE_AMI_PARAMETERS,
  type FakeInstance,
  type Fleet,
  type RunningScript,
  runScript,
} from "./fleet.js";
import type { S3Store } from "./s3-service.js";
import { AwsError, jsonError, jsonResponse, type WireResponse } from "./wire.js";

/** The fake's AWS account id. */
export const FAKE_ACCOUNT_ID = "123456789012";

const PLUGIN_NAME = "aws:runShellScript";
const TERMINAL = new Set(["Success", "Failed", "Cancelled", "TimedOut"]);

/** One instance's part of a command, as GetCommandInvocation reports it. */
export interface FakeInvocation {
  commandId: string;
  instanceId: string;
  status: string;
  statusDetails: string;
  responseCode: number;
  requestedAt: Date;
  startedAt?: Date;
  endedAt?: Date;
  stdout: string;
  stderr: string;
  stdoutUrl: string;
  stderrUrl: string;
  /** Until when GetCommandInvocation answers `InvocationDoesNotExist` (epoch milliseconds). */
  hiddenUntil: number;
  running?: RunningScript;
  cancelled: boolean;
  vanished: boolean;
  timedOut: boolean;
}

/** A command sent with SendCommand. */
export interface FakeCommand {
  commandId: string;
  documentName: string;
  comment: string;
  script: string;
  workingDirectory?: string;
  executionTimeoutSeconds: number;
  deliveryTimeoutSeconds: number;
  outputBucket?: string;
  outputPrefix?: string;
  requestedAt: Date;
  invocations: Map<string, FakeInvocation>;
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function isoOrEmpty(date: Date | undefined): string {
  return date === undefined ? "" : date.toISOString();
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new AwsError("ValidationException", `${name} must be a list of strings`);
  }
  return value as string[];
}

function requireString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== "string" || value === "") {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** SSM over AWS JSON 1.1: Run Command executing scripts for real, agent registration, public parameters. */
export class SsmService {
  readonly commands = new Map<string, FakeCommand>();
  /** How many GetCommandInvocation calls were answered `InvocationDoesNotExist` because of the race. */
  racesAnswered = 0;
  readonly #fleet: Fleet;
  readonly #store: S3Store;
  readonly #faults: FaultPlan;
  readonly #throttler: Throttler;
  readonly #region: string;
  readonly #environment: () => Record<string, string>;
  readonly #timers = new Set<NodeJS.Timeout>();
  #vanishLeft: number;

  constructor(options: {
    fleet: Fleet;
    store: S3Store;
    faults: FaultPlan;
    throttler: Throttler;
    region: string;
    environment: () => Record<string, string>;
  }) {
    this.#fleet = options.fleet;
    this.#store = options.store;
    this.#faults = options.faults;
    this.#throttler = options.throttler;
    this.#region = options.region;
    this.#environment = options.environment;
    this.#vanishLeft =
      options.faults.vanishMidCommand === undefined ? 0 : (options.faults.vanishMidCommand.count ?? 1);
    options.fleet.onInstanceGone = (instance) => this.#instanceGone(instance);
  }

  /** Answers one JSON 1.1 call (`X-Amz-Target: AmazonSSM.<operation>`). */
  async handle(operation: string, body: Buffer): Promise<WireResponse> {
    try {
      this.#throttler.check("ssm", operation);
      let input: Record<string, unknown>;
      try {
        input = body.length === 0 ? {} : (JSON.parse(body.toString("utf8")) as Record<string, unknown>);
      } catch {
        throw new AwsError("SerializationException", "Start of structure or map found where not expected.");
      }
      switch (operation) {
        case "SendCommand":
          return jsonResponse(this.#sendCommand(input));
        case "GetCommandInvocation":
          return jsonResponse(this.#getCommandInvocation(input));
        case "ListCommandInvocations":
          return jsonResponse(this.#listCommandInvocations(input));
        case "CancelCommand":
          return jsonResponse(this.#cancelCommand(input));
        case "DescribeInstanceInformation":
          return jsonResponse(this.#describeInstanceInformation(input));
        case "GetParameter":
          return jsonResponse(this.#getParameter(input));
        default:
          throw new AwsError(
            "UnknownOperationException",
            `Operation ${operation} is not supported by aws-fake`,
          );
      }
    } catch (error) {
      if (error instanceof AwsError) return jsonError(error);
      throw error;
    }
  }

  /** Stops every running script and timer. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const command of this.commands.values()) {
      for (const invocation of command.invocations.values()) invocation.running?.kill();
    }
  }

  #later(delay: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, delay);
    this.#timers.add(timer);
  }

  #resolveTargets(input: Record<string, unknown>): string[] {
    const instanceIds = stringList(input.InstanceIds, "InstanceIds");
    const targets = input.Targets;
    if (instanceIds.length > 0 && targets !== undefined) {
      throw new AwsError("InvalidParameters", "InstanceIds and Targets cannot both be specified.");
    }
    if (targets === undefined) {
      if (instanceIds.length === 0) {
        throw new AwsError("InvalidParameters", "Either InstanceIds or Targets must be specified.");
      }
      if (instanceIds.length > 50)
        throw new AwsError("ValidationException", "InstanceIds has more than 50 members");
      const invalid = instanceIds.filter((instanceId) => {
        const instance = this.#fleet.instances.get(instanceId);
        return instance === undefined || instance.state !== "running" || !instance.agentOnline;
      });
      if (invalid.length > 0) {
        throw new AwsError(
          "InvalidInstanceId",
          `Instances [[${invalid.join(", ")}]] not in a valid state for account ${FAKE_ACCOUNT_ID}`,
        );
      }
      return instanceIds;
    }
    if (!Array.isArray(targets) || targets.length === 0 || targets.length > 5) {
      throw new AwsError("ValidationException", "Targets must have 1 to 5 members");
    }
    let matching = [...this.#fleet.instances.values()].filter(
      (instance) => instance.state === "running" && instance.agentOnline,
    );
    for (const target of targets as { Key?: string; Values?: string[] }[]) {
      const key = target.Key ?? "";
      const values = stringList(target.Values, "Targets.Values");
      if (key === "InstanceIds")
        matching = matching.filter((instance) => values.includes(instance.instanceId));
      else if (key.startsWith("tag:")) {
        const tag = key.slice(4);
        matching = matching.filter((instance) => values.includes(instance.tags.get(tag) ?? "\u0000"));
      } else if (key === "tag-key")
        matching = matching.filter((instance) => values.some((name) => instance.tags.has(name)));
      else throw new AwsError("InvalidTarget", `Target key ${key} is not supported`);
    }
    return matching.map((instance) => instance.instanceId);
  }

  #sendCommand(input: Record<string, unknown>): unknown {
    const documentName = requireString(input, "DocumentName");
    if (documentName !== "AWS-RunShellScript") {
      throw new AwsError("InvalidDocument", `Document with name ${documentName} does not exist.`);
    }
    const parameters = (input.Parameters ?? {}) as Record<string, unknown>;
    const lines = stringList(parameters.commands, "Parameters.commands");
    if (lines.length === 0) throw new AwsError("InvalidParameters", 'Parameter "commands" is required.');
    const script = lines.join("\n");
    if (Buffer.byteLength(JSON.stringify(parameters)) > 64 * 1024) {
      throw new AwsError(
        "MaxDocumentSizeExceeded",
        "The parameters exceed the maximum document size of 64 KB.",
      );
    }
    const executionTimeout = Number(stringList(parameters.executionTimeout, "executionTimeout")[0] ?? "3600");
    if (!Number.isInteger(executionTimeout) || executionTimeout < 1 || executionTimeout > 172800) {
      throw new AwsError(
        "InvalidParameters",
        "executionTimeout must be a whole number of seconds from 1 to 172800.",
      );
    }
    const deliveryTimeout = input.TimeoutSeconds === undefined ? 3600 : Number(input.TimeoutSeconds);
    if (!Number.isInteger(deliveryTimeout) || deliveryTimeout < 30 || deliveryTimeout > 2592000) {
      throw new AwsError(
        "ValidationException",
        `1 validation error detected: Value '${String(input.TimeoutSeconds)}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value greater than or equal to 30`,
      );
    }
    const instanceIds = this.#resolveTargets(input);
    const workingDirectory = stringList(parameters.workingDirectory, "workingDirectory")[0];
    const commandId = randomUUID();
    const requestedAt = new Date();
    const command: FakeCommand = {
      commandId,
      documentName,
      comment: typeof input.Comment === "string" ? input.Comment : "",
      script,
      executionTimeoutSeconds: executionTimeout,
      deliveryTimeoutSeconds: deliveryTimeout,
      requestedAt,
      invocations: new Map(),
    };
    if (workingDirectory !== undefined && workingDirectory !== "")
      command.workingDirectory = workingDirectory;
    if (typeof input.OutputS3BucketName === "string" && input.OutputS3BucketName !== "") {
      command.outputBucket = input.OutputS3BucketName;
      command.outputPrefix = typeof input.OutputS3KeyPrefix === "string" ? input.OutputS3KeyPrefix : "";
    }
    for (const instanceId of instanceIds) {
      const invocation: FakeInvocation = {
        commandId,
        instanceId,
        status: "Pending",
        statusDetails: "Pending",
        responseCode: -1,
        requestedAt,
        stdout: "",
        stderr: "",
        stdoutUrl: "",
        stderrUrl: "",
        hiddenUntil: requestedAt.getTime() + (this.#faults.invocationRaceMs ?? 0),
        cancelled: false,
        vanished: false,
        timedOut: false,
      };
      command.invocations.set(instanceId, invocation);
      this.#later(this.#faults.deliveryDelayMs ?? 0, () => this.#deliver(command, invocation));
    }
    this.commands.set(commandId, command);
    return {
      Command: {
        CommandId: commandId,
        DocumentName: documentName,
        Comment: command.comment,
        InstanceIds: stringList(input.InstanceIds, "InstanceIds"),
        Parameters: parameters,
        RequestedDateTime: epochSeconds(requestedAt),
        Status: "Pending",
        StatusDetails: "Pending",
        TimeoutSeconds: deliveryTimeout,
        TargetCount: instanceIds.length,
        CompletedCount: 0,
        ErrorCount: 0,
        DeliveryTimedOutCount: 0,
        MaxConcurrency: typeof input.MaxConcurrency === "string" ? input.MaxConcurrency : "50",
        MaxErrors: typeof input.MaxErrors === "string" ? input.MaxErrors : "0",
        OutputS3BucketName: command.outputBucket ?? "",
        OutputS3KeyPrefix: command.outputPrefix ?? "",
      },
    };
  }

  #deliver(command: FakeCommand, invocation: FakeInvocation): void {
    if (TERMINAL.has(invocation.status) || invocation.cancelled) return;
    const instance = this.#fleet.instances.get(invocation.instanceId);
    if (instance === undefined || instance.state === "terminated" || instance.state === "shutting-down") {
      this.#finish(invocation, "Failed", "Undeliverable", -1);
      return;
    }
    if (!instance.agentOnline) {
      // The agent is unreachable: SSM keeps retrying until the delivery timeout.
      if (Date.now() - command.requestedAt.getTime() >= command.deliveryTimeoutSeconds * 1000) {
        this.#finish(invocation, "TimedOut", "Delivery Timed Out", -1);
        return;
      }
      invocation.status = "Delayed";
      invocation.statusDetails = "Delayed";
      this.#later(200, () => this.#deliver(command, invocation));
      return;
    }
    this.#start(command, invocation, instance);
  }

  #start(command: FakeCommand, invocation: FakeInvocation, instance: FakeInstance): void {
    invocation.status = "InProgress";
    invocation.statusDetails = "InProgress";
    invocation.startedAt = new Date();
    const running = runScript(
      instance,
      command.commandId,
      command.script,
      this.#environment(),
      command.workingDirectory,
    );
    invocation.running = running;
    this.#later(command.executionTimeoutSeconds * 1000, () => {
      if (invocation.running === running && !TERMINAL.has(invocation.status)) {
        invocation.timedOut = true;
        running.kill();
      }
    });
    const vanish = this.#faults.vanishMidCommand;
    if (vanish !== undefined && this.#vanishLeft > 0) {
      this.#vanishLeft -= 1;
      this.#later(vanish.afterMs, () => this.#fleet.terminate(instance.instanceId));
    }
    void running.done.then((exit) => {
      invocation.running = undefined;
      if (TERMINAL.has(invocation.status)) return;
      invocation.stdout = exit.stdout;
      invocation.stderr = exit.stderr;
      if (command.outputBucket !== undefined) this.#storeOutput(command, invocation);
      if (invocation.vanished) this.#finish(invocation, "Failed", "Undeliverable", -1);
      else if (invocation.cancelled) this.#finish(invocation, "Cancelled", "Cancelled", -1);
      else if (invocation.timedOut) this.#finish(invocation, "TimedOut", "Execution Timed Out", -1);
      else if (exit.exitCode === 0) this.#finish(invocation, "Success", "Success", 0);
      else this.#finish(invocation, "Failed", "Failed", exit.exitCode ?? -1);
    });
  }

  #storeOutput(command: FakeCommand, invocation: FakeInvocation): void {
    const bucket = command.outputBucket ?? "";
    if (!this.#store.hasBucket(bucket)) return;
    const prefix = command.outputPrefix ? `${command.outputPrefix.replace(/\/+$/, "")}/` : "";
    const base = `${prefix}${command.commandId}/${invocation.instanceId}/awsrunShellScript/0.awsrunShellScript`;
    const url = (key: string) =>
      `https://s3.${this.#region}.amazonaws.com/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
    if (invocation.stdout !== "") {
      this.#store.put(bucket, `${base}/stdout`, Buffer.from(invocation.stdout, "utf8"));
      invocation.stdoutUrl = url(`${base}/stdout`);
    }
    if (invocation.stderr !== "") {
      this.#store.put(bucket, `${base}/stderr`, Buffer.from(invocation.stderr, "utf8"));
      invocation.stderrUrl = url(`${base}/stderr`);
    }
  }

  #finish(invocation: FakeInvocation, status: string, details: string, responseCode: number): void {
    invocation.status = status;
    invocation.statusDetails = details;
    invocation.responseCode = responseCode;
    invocation.endedAt = new Date();
  }

  #instanceGone(instance: FakeInstance): void {
    for (const command of this.commands.values()) {
      const invocation = command.invocations.get(instance.instanceId);
      if (invocation === undefined || TERMINAL.has(invocation.status)) continue;
      invocation.vanished = true;
      if (invocation.running !== undefined) invocation.running.kill();
      else this.#finish(invocation, "Failed", "Undeliverable", -1);
    }
  }

  #invocation(input: Record<string, unknown>): FakeInvocation {
    const commandId = requireString(input, "CommandId");
    const instanceId = requireString(input, "InstanceId");
    if (!/^[0-9a-f-]{36}$/.test(commandId)) throw new AwsError("InvalidCommandId", "");
    const invocation = this.commands.get(commandId)?.invocations.get(instanceId);
    if (invocation === undefined) throw new AwsError("InvocationDoesNotExist", "");
    return invocation;
  }

  #getCommandInvocation(input: Record<string, unknown>): unknown {
    const invocation = this.#invocation(input);
    if (input.PluginName !== undefined && input.PluginName !== PLUGIN_NAME) {
      throw new AwsError("InvalidPluginName", "");
    }
    if (Date.now() < invocation.hiddenUntil) {
      this.racesAnswered += 1;
      throw new AwsError("InvocationDoesNotExist", "");
    }
    const command = this.commands.get(invocation.commandId) as FakeCommand;
    const outputLimit = this.#faults.outputLimit ?? 24_000;
    const errorLimit = this.#faults.errorOutputLimit ?? 8_000;
    const elapsed =
      invocation.startedAt === undefined
        ? ""
        : `PT${(((invocation.endedAt ?? new Date()).getTime() - invocation.startedAt.getTime()) / 1000).toFixed(3)}S`;
    return {
      CommandId: invocation.commandId,
      InstanceId: invocation.instanceId,
      Comment: command.comment,
      DocumentName: command.documentName,
      DocumentVersion: "$DEFAULT",
      PluginName: PLUGIN_NAME,
      ResponseCode: invocation.responseCode,
      ExecutionStartDateTime: isoOrEmpty(invocation.startedAt),
      ExecutionElapsedTime: elapsed,
      ExecutionEndDateTime: isoOrEmpty(invocation.endedAt),
      Status: invocation.status,
      StatusDetails: invocation.statusDetails,
      StandardOutputContent: TERMINAL.has(invocation.status)
        ? [...invocation.stdout].slice(0, outputLimit).join("")
        : "",
      StandardOutputUrl: invocation.stdoutUrl,
      StandardErrorContent: TERMINAL.has(invocation.status)
        ? [...invocation.stderr].slice(0, errorLimit).join("")
        : "",
      StandardErrorUrl: invocation.stderrUrl,
      CloudWatchOutputConfig: { CloudWatchLogGroupName: "", CloudWatchOutputEnabled: false },
    };
  }

  #listCommandInvocations(input: Record<string, unknown>): unknown {
    const commandId = requireString(input, "CommandId");
    const command = this.commands.get(commandId);
    if (command === undefined) throw new AwsError("InvalidCommandId", "");
    const details = input.Details === true;
    const items = [...command.invocations.values()]
      .filter((invocation) => input.InstanceId === undefined || invocation.instanceId === input.InstanceId)
      .filter((invocation) => Date.now() >= invocation.hiddenUntil)
      .map((invocation) => ({
        CommandId: invocation.commandId,
        InstanceId: invocation.instanceId,
        InstanceName: "",
        Comment: command.comment,
        DocumentName: command.documentName,
        DocumentVersion: "$DEFAULT",
        RequestedDateTime: epochSeconds(invocation.requestedAt),
        Status: invocation.status,
        StatusDetails: invocation.statusDetails,
        StandardOutputUrl: invocation.stdoutUrl,
        StandardErrorUrl: invocation.stderrUrl,
        CommandPlugins: details
          ? [
              {
                Name: PLUGIN_NAME,
                Status: invocation.status,
                StatusDetails: invocation.statusDetails,
                ResponseCode: invocation.responseCode,
                ...(invocation.startedAt
                  ? { ResponseStartDateTime: epochSeconds(invocation.startedAt) }
                  : {}),
                ...(invocation.endedAt ? { ResponseFinishDateTime: epochSeconds(invocation.endedAt) } : {}),
                Output: [...invocation.stdout].slice(0, 2500).join(""),
                StandardOutputUrl: invocation.stdoutUrl,
                StandardErrorUrl: invocation.stderrUrl,
                OutputS3Region: this.#region,
                OutputS3BucketName: command.outputBucket ?? "",
                OutputS3KeyPrefix: command.outputPrefix ?? "",
              },
            ]
          : [],
      }));
    const maxResults = input.MaxResults === undefined ? 50 : Number(input.MaxResults);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50) {
      throw new AwsError(
        "ValidationException",
        `1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`,
      );
    }
    const start = typeof input.NextToken === "string" ? Number(input.NextToken) : 0;
    const next = start + maxResults < items.length ? String(start + maxResults) : undefined;
    return {
      CommandInvocations: items.slice(start, start + maxResults),
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  #cancelCommand(input: Record<string, unknown>): unknown {
    const commandId = requireString(input, "CommandId");
    const command = this.commands.get(commandId);
    if (command === undefined) throw new AwsError("InvalidCommandId", "");
    const only = stringList(input.InstanceIds, "InstanceIds");
    for (const invocation of command.invocations.values()) {
      if (only.length > 0 && !only.includes(invocation.instanceId)) continue;
      if (TERMINAL.has(invocation.status)) continue;
      invocation.cancelled = true;
      if (invocation.running !== undefined) {
        invocation.status = "Cancelling";
        invocation.statusDetails = "Cancelling";
        invocation.running.kill();
      } else this.#finish(invocation, "Cancelled", "Cancelled", -1);
    }
    return {};
  }

  #describeInstanceInformation(input: Record<string, unknown>): unknown {
    const maxResults = input.MaxResults === undefined ? 50 : Number(input.MaxResults);
    if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 50) {
      throw new AwsError(
        "ValidationException",
        `1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 5`,
      );
    }
    let registered = [...this.#fleet.instances.values()].filter(
      (instance) => instance.lastPing !== undefined && instance.state !== "terminated",
    );
    for (const filter of (input.Filters ?? []) as { Key?: string; Values?: string[] }[]) {
      const values = stringList(filter.Values, "Filters.Values");
      const key = filter.Key ?? "";
      if (key === "InstanceIds")
        registered = registered.filter((instance) => values.includes(instance.instanceId));
      else if (key === "PingStatus") {
        registered = registered.filter((instance) =>
          values.includes(instance.agentOnline ? "Online" : "ConnectionLost"),
        );
      } else if (key.startsWith("tag:")) {
        registered = registered.filter((instance) =>
          values.includes(instance.tags.get(key.slice(4)) ?? "\u0000"),
        );
      } else
        throw new AwsError("InvalidInstanceInformationFilterValue", `Filter key ${key} is not supported`);
    }
    const start = typeof input.NextToken === "string" ? Number(input.NextToken) : 0;
    const page = registered.slice(start, start + maxResults);
    const next = start + maxResults < registered.length ? String(start + maxResults) : undefined;
    return {
      InstanceInformationList: page.map((instance) => ({
        InstanceId: instance.instanceId,
        PingStatus: instance.agentOnline ? "Online" : "ConnectionLost",
        LastPingDateTime: epochSeconds(instance.lastPing ?? new Date()),
        AgentVersion: "3.3.1142.0",
        IsLatestVersion: true,
        PlatformType: "Linux",
        PlatformName: "Amazon Linux",
        PlatformVersion: "2023",
        ResourceType: "EC2Instance",
        IPAddress: instance.privateIpAddress,
        ComputerName: `ip-${instance.privateIpAddress.replaceAll(".", "-")}.ec2.internal`,
        IamRole: instance.instanceProfile ?? "",
      })),
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  #getParameter(input: Record<string, unknown>): unknown {
    const name = requireString(input, "Name");
    const parameter = FAKE_AMI_PARAMETERS[name];
    if (parameter === undefined) throw new AwsError("ParameterNotFound", "");
    return {
      Parameter: {
        Name: name,
        Type: "String",
        Value: parameter.imageId,
        Version: 1,
        LastModifiedDate: epochSeconds(new Date("2026-11-20T00:00:00Z")),
        ARN: `arn:aws:ssm:${this.#region}::parameter${name}`,
        DataType: "text",
      },
    };
  }
}
