import { parseArgs } from "node:util";
import { BenchUsageError } from "./errors.mjs";

/**
 * @typedef {object} FlagSpec
 * @property {"integer" | "number" | "string" | "boolean" | "list"} type
 * @property {string} description one line for --help
 * @property {unknown} [default]
 * @property {number} [min] smallest accepted value (integer, number)
 * @property {number} [max] largest accepted value (integer, number)
 * @property {readonly string[]} [choices] accepted values (string, and each item of a list)
 */

/**
 * Parses and validates command-line flags against a table of specs. Every mistake (unknown flag,
 * missing value, not a number, out of range, not one of the choices, stray positional argument)
 * raises a BenchUsageError whose message names the flag and what was expected.
 *
 * @param {string[]} argv arguments after the script name
 * @param {Record<string, FlagSpec>} specs
 * @returns {Record<string, any> & { help: boolean }}
 */
export function parseFlags(argv, specs) {
  const options = { help: { type: "boolean", short: "h", default: false } };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type === "boolean" ? "boolean" : "string" };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new BenchUsageError(describeParseError(error, argv));
  }
  const values = { help: parsed.values.help === true };
  for (const [name, spec] of Object.entries(specs)) {
    const raw = parsed.values[name];
    values[name] = raw === undefined ? spec.default : convert(name, raw, spec);
  }
  return values;
}

/**
 * @param {string} name
 * @param {string | boolean} raw
 * @param {FlagSpec} spec
 */
function convert(name, raw, spec) {
  if (spec.type === "boolean") return raw;
  const text = String(raw).trim();
  if (spec.type === "integer" || spec.type === "number") {
    const value = Number(text);
    const valid =
      text !== "" && Number.isFinite(value) && (spec.type === "number" || Number.isInteger(value));
    if (!valid) {
      throw new BenchUsageError(
        `--${name} expects ${spec.type === "integer" ? "a whole number" : "a number"}, got "${raw}"`,
      );
    }
    if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
      throw new BenchUsageError(`--${name} must be between ${spec.min} and ${spec.max}, got ${value}`);
    }
    return value;
  }
  if (spec.type === "list") {
    const items = text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
    if (items.length === 0)
      throw new BenchUsageError(`--${name} expects a comma-separated list, got "${raw}"`);
    for (const item of items) checkChoice(name, item, spec);
    return [...new Set(items)];
  }
  if (text === "") throw new BenchUsageError(`--${name} expects a value, got an empty string`);
  checkChoice(name, text, spec);
  return text;
}

/** @param {string} name @param {string} value @param {FlagSpec} spec */
function checkChoice(name, value, spec) {
  if (spec.choices && !spec.choices.includes(value)) {
    throw new BenchUsageError(`--${name} accepts ${spec.choices.join(", ")}; got "${value}"`);
  }
}

/** @param {unknown} error @param {string[]} argv */
function describeParseError(error, argv) {
  const message = error instanceof Error ? error.message : String(error);
  const code = /** @type {{ code?: string }} */ (error).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown flag ${flag} (see --help)`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const argument = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unexpected argument "${argument}": this script takes flags only (see --help)`;
  }
  const ambiguous = /^Option '(-\S+)' argument is ambiguous/.exec(message);
  if (ambiguous) {
    const flag = /** @type {string} */ (ambiguous[1]);
    const next = argv[argv.indexOf(flag) + 1] ?? "";
    return `${flag} is followed by "${next}", which looks like a flag: write ${flag}=${next} if it is the value`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return message
      .replace(/^Option '(-\S+(?:, -\S+)?)(?: <value>)?' argument missing$/, "$1 expects a value")
      .split("\n")[0];
  }
  return message;
}

/**
 * Renders the --help text of a script from its flag table.
 *
 * @param {string} usage first line, e.g. "node bench/hello.mjs [flags]"
 * @param {string} summary what the script does
 * @param {Record<string, FlagSpec>} specs
 */
export function helpText(usage, summary, specs) {
  const lines = [`Usage: ${usage}`, "", summary, "", "Flags:"];
  for (const [name, spec] of Object.entries(specs)) {
    const placeholder = spec.type === "boolean" ? "" : ` <${spec.type === "list" ? "a,b" : spec.type}>`;
    const defaultValue = Array.isArray(spec.default) ? spec.default.join(",") : spec.default;
    const suffix = defaultValue === undefined || spec.type === "boolean" ? "" : ` (default ${defaultValue})`;
    lines.push(`  --${name}${placeholder}`.padEnd(28) + spec.description + suffix);
  }
  lines.push(`${"  -h, --help".padEnd(28)}this text`);
  return lines.join("\n");
}

/**
 * Where the generator and the server run: each pinned to a CPU of its own with taskset, unless --no-pin
 * (every benchmark that starts a server of its own).
 * @type {Record<string, FlagSpec>}
 */
export const PINNING_FLAGS = {
  "generator-cpu": {
    type: "integer",
    min: 0,
    max: 1023,
    default: 0,
    description: "CPU of the load generator",
  },
  "server-cpu": { type: "integer", min: 0, max: 1023, default: 1, description: "CPU of the server" },
  "no-pin": { type: "boolean", default: false, description: "do not pin with taskset" },
};

/**
 * The flags of a benchmark against one local hello-world server with the generator and the server
 * pinned to their own CPUs (hello.mjs, arrival-rate.mjs, concurrency.mjs).
 * @type {Record<string, FlagSpec>}
 */
export const TARGET_SERVER_FLAGS = {
  server: {
    type: "string",
    choices: ["auto", "nginx", "node"],
    default: "auto",
    description: "target server",
  },
  ...PINNING_FLAGS,
  "quiet-wait": {
    type: "integer",
    min: 0,
    max: 3600,
    default: 0,
    description: "before each run, wait up to S s for other processes to use < 0.25 CPU",
  },
};

/**
 * `--baseline`: another loadcore build run as the tool `baseline` in the same rounds (hello.mjs,
 * concurrency.mjs).
 * @type {Record<string, FlagSpec>}
 */
export const BASELINE_FLAG = {
  baseline: {
    type: "string",
    description:
      "the cli.js of another loadcore build (a copy of an older dist/), run as the tool `baseline` in the same rounds",
  },
};
