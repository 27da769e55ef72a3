import type { Bottleneck, BottleneckScope, Capacity, Onsets, ResourceCheck } from "./analysis-types.js";
import { formatSeconds } from "./format.js";
import type { LoadResultsInput, MetricsData } from "./inputs/types.js";
import { RESOURCE_WORDS } from "./saturation.js";

const SCOPE_RANK: Record<BottleneckScope, number> = { service: 0, container: 1, host: 2, generator: 3 };
const RESOURCE_RANK: Record<string, number> = { cpu: 0, memory: 1, disk: 2, network: 3 };

/** The facts of the run that every verdict starts from. */
export interface BottleneckInput {
  checks: ResourceCheck[];
  generator: ResourceCheck | null;
  results: LoadResultsInput;
  metrics: MetricsData | undefined;
  facts: string[];
  /** Whether failures, a plateau, a saturation or a decline appeared. */
  hasOnset: boolean;
}

/**
 * The saturated checks that can name the bottleneck, earliest first: memory growth is left out (a
 * suspicion, not a saturation), so is a single or pinned core where the service's cores are full, and
 * so is the host's CPU where the service was pinned apart and its own CPU measured.
 */
function saturatedChecks(checks: ResourceCheck[], pinnedApart: boolean): ResourceCheck[] {
  const servicesCoresSaturated = checks.some(
    (check) => check.saturated && check.rule === "cpu-cores" && check.scope === "service",
  );
  // A service pinned to cores of its own has its CPU measured there: a full host is other processes' work.
  const serviceCpuMeasured = checks.some(
    (check) => check.scope === "service" && (check.rule === "cpu-cores" || check.rule === "cpu-pinned-cores"),
  );
  return checks
    .filter((check) => check.saturated && check.rule !== "memory-growth")
    .filter(
      (check) =>
        !((check.rule === "cpu-single-core" || check.rule === "cpu-pinned-cores") && servicesCoresSaturated),
    )
    .filter(
      (check) => !(pinnedApart && serviceCpuMeasured && check.scope === "host" && check.resource === "cpu"),
    )
    .sort(
      (left, right) =>
        (left.sinceSeconds ?? 0) - (right.sinceSeconds ?? 0) ||
        SCOPE_RANK[left.scope] - SCOPE_RANK[right.scope] ||
        (RESOURCE_RANK[left.resource] ?? 9) - (RESOURCE_RANK[right.resource] ?? 9) ||
        (left.rule === "cpu-single-core" ? 1 : 0) - (right.rule === "cpu-single-core" ? 1 : 0),
    );
}

/** The saturated check that names the bottleneck, and the verdict it gives. */
function saturatedBottleneck(
  chosen: ResourceCheck,
  saturated: ResourceCheck[],
  { checks, facts, hasOnset }: BottleneckInput,
): Bottleneck {
  const others = saturated
    .filter((check) => check !== chosen)
    .map((check) => `Also saturated: ${check.detail}`);
  // A saturated host with a service that was not: something else on the host took the resource.
  const context =
    chosen.scope === "host" || chosen.rule === "cpu-pinned-cores"
      ? checks
          .filter(
            (check) =>
              !check.saturated &&
              check.resource === chosen.resource &&
              check.scope !== "host" &&
              check.rule === "cpu-cores",
          )
          .map((check) => `Meanwhile the service was not saturated: ${check.detail}`)
      : [];
  let confidence: Bottleneck["confidence"] =
    chosen.scope === "host" ||
    chosen.rule === "cpu-single-core" ||
    chosen.rule === "cpu-pinned-cores" ||
    chosen.rule === "iowait"
      ? "medium"
      : "high";
  if (!hasOnset) confidence = "low";
  const where =
    chosen.scope === "host"
      ? "the host"
      : chosen.scope === "container"
        ? "the service's container"
        : "the service";
  const what = chosen.rule === "swap" ? "memory (swapping)" : RESOURCE_WORDS[chosen.resource];
  const since = chosen.sinceSeconds !== null ? `, from ${formatSeconds(chosen.sinceSeconds)}` : "";
  return {
    resource: chosen.resource as Bottleneck["resource"],
    confidence,
    scope: chosen.scope,
    rule: chosen.rule,
    summary: hasOnset
      ? `What ran out first: ${what} of ${where} (${chosen.short}${since}).`
      : `No failure yet, but ${what} of ${where} was saturated at the end of the run (${chosen.short}${since}).`,
    evidence: [...facts, chosen.detail, ...others, ...context],
  };
}

/** The verdict when no resource check was saturated: the generator, memory growth, or unknown. */
function unsaturatedBottleneck({
  checks,
  generator,
  results,
  metrics,
  facts,
  hasOnset,
}: BottleneckInput): Bottleneck {
  const generatorSaturated = generator?.saturated || results.selfCheck?.saturated;
  if (generatorSaturated) {
    return {
      resource: "generator",
      confidence: generator?.saturated ? "high" : "medium",
      scope: "generator",
      rule: generator?.saturated ? "generator-cpu" : "self-check",
      summary:
        "What ran out first: the load generator, not the service. The result measures the generator; give it more cores or processes.",
      evidence: [
        ...facts,
        ...(generator ? [generator.detail] : []),
        ...(results.selfCheck?.message ? [`Self-check: ${results.selfCheck.message}`] : []),
      ],
    };
  }
  const growth = checks.find((check) => check.rule === "memory-growth" && check.saturated);
  if (growth && hasOnset) {
    return {
      resource: "memory",
      confidence: "low",
      scope: growth.scope,
      rule: "memory-growth",
      summary:
        "No resource was saturated, but the service's memory grew steadily with the load: suspect memory (a cache or a leak) before it reaches a limit.",
      evidence: [...facts, growth.detail],
    };
  }
  if (!hasOnset) {
    return {
      resource: "unknown",
      confidence: "low",
      scope: "service",
      rule: "no-onset",
      summary:
        "Nothing ran out: no failures, no throughput plateau, no decline and no saturated resource appeared before the run ended.",
      evidence: [...facts, ...checks.map((check) => check.detail)],
    };
  }
  if (!metrics || checks.length === 0) {
    return {
      resource: "unknown",
      confidence: "low",
      scope: "service",
      rule: "no-metrics",
      summary: metrics
        ? "The metrics hold nothing the rules can check (CPU, memory, disk, network): which resource ran out is unknown."
        : "Which resource ran out is unknown: no resource metrics were given (pass --metrics).",
      evidence: facts,
    };
  }
  if (!checks.some((check) => check.windowLevel !== null && check.scope !== "generator")) {
    return {
      resource: "unknown",
      confidence: "low",
      scope: "service",
      rule: "no-samples-in-window",
      summary:
        "Which resource ran out is unknown: the metrics have no sample in the evidence window (check that they cover the run).",
      evidence: facts,
    };
  }
  const serviceLevel = checks.some((check) => check.scope !== "host");
  return {
    resource: "application",
    confidence: serviceLevel ? "medium" : "low",
    scope: "service",
    rule: "none-saturated",
    summary:
      "No resource was saturated at the onset: the limit is in the application (a pool, a lock, a configured limit) or in a dependency.",
    evidence: [
      ...facts,
      ...checks.filter((check) => check.rule !== "cpu-single-core").map((check) => check.detail),
    ],
  };
}

/** Names what ran out first from the checks, the onsets and the facts of the run. */
export function chooseBottleneck(
  checks: ResourceCheck[],
  generator: ResourceCheck | null,
  results: LoadResultsInput,
  metrics: MetricsData | undefined,
  onset: Onsets,
  facts: string[],
  capacity: Capacity,
  pinnedApart: boolean,
): Bottleneck {
  const hasOnset =
    onset.failureSeconds !== null ||
    onset.plateauSeconds !== null ||
    onset.saturationSeconds !== null ||
    capacity.decline !== null;
  const input = { checks, generator, results, metrics, facts, hasOnset };
  const saturated = saturatedChecks(checks, pinnedApart);
  // A host-wide saturation is explained by the service's own when both ran out: name the service.
  let first = saturated[0];
  if (first?.scope === "host") {
    first = saturated.find((check) => check.resource === first?.resource && check.scope !== "host") ?? first;
  }
  return first ? saturatedBottleneck(first, saturated, input) : unsaturatedBottleneck(input);
}
