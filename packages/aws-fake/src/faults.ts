import { AwsError } from "./wire.js";

/** A throttle on one operation: every Nth call refused, or calls over a rate refused. */
export interface ThrottleRule {
  /** Refuse every Nth call (2 = every other call). */
  every?: number;
  /** Refuse calls beyond this many per second (a one-second token bucket). */
  perSecond?: number;
}

/**
 * The faults a fake can be scripted with. Each mirrors something AWS really does; the ones not
 * listed here happen on their own (a script that sleeps past `executionTimeout` times out, more
 * than 24,000 characters of output are truncated, an instance without a suitable profile never
 * registers).
 */
export interface FaultPlan {
  /** For this many milliseconds after SendCommand, GetCommandInvocation answers `InvocationDoesNotExist` and ListCommandInvocations leaves the invocation out, as AWS does for about a second. */
  invocationRaceMs?: number;
  /** Throttled operations by name (`GetCommandInvocation`, `SendCommand`, `DescribeInstances`, `PutObject`...). */
  throttle?: Record<string, ThrottleRule>;
  /** The SSM agent of every launched instance never comes online. */
  agentNeverOnline?: boolean;
  /** The first `count` instances (default 1) to start a command terminate `afterMs` milliseconds later. */
  vanishMidCommand?: { afterMs: number; count?: number };
  /** This many RunInstances calls fail with `InsufficientInstanceCapacity`. */
  capacityErrors?: number;
  /** Milliseconds an invocation stays `Pending` before it starts (default 0). */
  deliveryDelayMs?: number;
  /** The inline output limits (default 24,000 characters for stdout, 8,000 for stderr). */
  outputLimit?: number;
  /** See `outputLimit`. */
  errorOutputLimit?: number;
}

const FAULT_KEYS = new Set([
  "invocationRaceMs",
  "throttle",
  "agentNeverOnline",
  "vanishMidCommand",
  "capacityErrors",
  "deliveryDelayMs",
  "outputLimit",
  "errorOutputLimit",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonNegativeInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`faults.${name} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks a fault plan read from JSON (the `--faults` flag) and says which member is wrong. */
export function parseFaultPlan(value: unknown): FaultPlan {
  if (!isRecord(value)) throw new TypeError("faults must be a JSON object");
  for (const key of Object.keys(value)) {
    if (!FAULT_KEYS.has(key)) {
      throw new TypeError(`faults.${key} is not a known fault (known: ${[...FAULT_KEYS].join(", ")})`);
    }
  }
  const plan: FaultPlan = {};
  for (const name of [
    "invocationRaceMs",
    "capacityErrors",
    "deliveryDelayMs",
    "outputLimit",
    "errorOutputLimit",
  ] as const) {
    if (value[name] !== undefined) plan[name] = nonNegativeInteger(value[name], name);
  }
  if (value.agentNeverOnline !== undefined) {
    if (typeof value.agentNeverOnline !== "boolean")
      throw new TypeError("faults.agentNeverOnline must be true or false");
    plan.agentNeverOnline = value.agentNeverOnline;
  }
  if (value.throttle !== undefined) {
    if (!isRecord(value.throttle)) throw new TypeError("faults.throttle must map operation names to rules");
    plan.throttle = {};
    for (const [operation, rule] of Object.entries(value.throttle)) {
      if (!isRecord(rule)) throw new TypeError(`faults.throttle.${operation} must be an object`);
      const checked: ThrottleRule = {};
      if (rule.every !== undefined)
        checked.every = nonNegativeInteger(rule.every, `throttle.${operation}.every`);
      if (rule.perSecond !== undefined) {
        checked.perSecond = nonNegativeInteger(rule.perSecond, `throttle.${operation}.perSecond`);
      }
      if (checked.every === undefined && checked.perSecond === undefined) {
        throw new TypeError(`faults.throttle.${operation} needs "every" or "perSecond"`);
      }
      plan.throttle[operation] = checked;
    }
  }
  if (value.vanishMidCommand !== undefined) {
    if (!isRecord(value.vanishMidCommand)) {
      throw new TypeError('faults.vanishMidCommand must be an object such as {"afterMs": 500}');
    }
    plan.vanishMidCommand = {
      afterMs: nonNegativeInteger(value.vanishMidCommand.afterMs, "vanishMidCommand.afterMs"),
    };
    if (value.vanishMidCommand.count !== undefined) {
      plan.vanishMidCommand.count = nonNegativeInteger(
        value.vanishMidCommand.count,
        "vanishMidCommand.count",
      );
    }
  }
  return plan;
}

/** The throttling error each protocol sends, as AWS names it. */
const THROTTLE_ERRORS: Record<string, () => AwsError> = {
  ssm: () => new AwsError("ThrottlingException", "Rate exceeded", 400),
  ec2: () => new AwsError("RequestLimitExceeded", "Request limit exceeded.", 503),
  s3: () => new AwsError("SlowDown", "Please reduce your request rate.", 503),
};

/** Counts calls per operation and decides which ones the plan throttles. */
export class Throttler {
  readonly #rules: Record<string, ThrottleRule>;
  readonly #calls = new Map<string, number>();
  readonly #windows = new Map<string, { second: number; count: number }>();
  /** How many calls were refused, by operation. */
  readonly refused = new Map<string, number>();

  constructor(rules: Record<string, ThrottleRule> = {}) {
    this.#rules = rules;
  }

  /** Throws the service's throttling error when this call of `operation` is to be refused. */
  check(service: string, operation: string, now = Date.now()): void {
    const rule = this.#rules[operation];
    if (rule === undefined) return;
    const calls = (this.#calls.get(operation) ?? 0) + 1;
    this.#calls.set(operation, calls);
    let refuse = rule.every !== undefined && rule.every > 0 && calls % rule.every === 0;
    if (!refuse && rule.perSecond !== undefined) {
      const second = Math.floor(now / 1000);
      const window = this.#windows.get(operation);
      const current = window !== undefined && window.second === second ? window : { second, count: 0 };
      current.count += 1;
      this.#windows.set(operation, current);
      refuse = current.count > rule.perSecond;
    }
    if (refuse) {
      this.refused.set(operation, (this.refused.get(operation) ?? 0) + 1);
      throw (
        (THROTTLE_ERRORS[service] ?? THROTTLE_ERRORS.ssm)?.() ?? new AwsError("Throttling", "Rate exceeded")
      );
    }
  }
}
