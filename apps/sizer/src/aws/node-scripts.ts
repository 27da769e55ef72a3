import { shellQuote } from "@sizer/ssm-client";
import { formatCpuList } from "../cpu-plan.js";

/**
 * The shell scripts `sizer aws run` sends to a service node through SSM Run Command. Every value
 * from the user or from AWS goes in through ssm-client's one quoting function, `shellQuote`.
 */

/** The node's working folder: under the agent's HOME when it has one (the fake's per-instance folder), else /root. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template.
const WORK_FOLDER = 'd="${HOME:-/root}/sizer-aws"; mkdir -p "$d"; cd "$d"';

/** The container's name on the node, which also names its metrics (`container.<name>.*`). */
export function serviceContainerName(instanceId: string): string {
  return `sizer-${instanceId}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

/**
 * Checks Docker answers; prints the node's working folder (where files are put and fetched), then
 * the cores its processes may use (the kernel's list, `0-1`), which the container is pinned to.
 */
export function prepareScript(): string {
  return [
    "set -e",
    WORK_FOLDER,
    'command -v docker >/dev/null 2>&1 || { echo "docker is not installed on this node" >&2; exit 3; }',
    'docker info >/dev/null 2>&1 || { echo "the Docker engine of this node does not answer" >&2; exit 3; }',
    'printf "%s\\n" "$d"',
    'cores=$(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status 2>/dev/null || true)',
    'if [ -z "$cores" ]; then cores="0-$(( $(getconf _NPROCESSORS_ONLN) - 1 ))"; fi',
    'printf "%s\\n" "$cores"',
  ].join("\n");
}

/** How the image reaches the node: pulled from its registry (when missing), or loaded from an uploaded archive. */
export type ImageSource = { kind: "registry"; image: string } | { kind: "archive"; remotePath: string };

/** Pulls the image (when the node does not have it) or loads the uploaded archive; prints the image's name. */
export function imageScript(source: ImageSource): string {
  if (source.kind === "registry") {
    return [
      "set -e",
      `image=${shellQuote(source.image)}`,
      'if ! docker image inspect "$image" >/dev/null 2>&1; then docker pull "$image" >&2; fi',
      'printf "%s\\n" "$image"',
    ].join("\n");
  }
  return [
    "set -e",
    `archive=${shellQuote(source.remotePath)}`,
    // docker load says `Loaded image: NAME` (or `Loaded image ID: sha256:...`); the last one is the image.
    'loaded=$(docker load -i "$archive")',
    'rm -f "$archive"',
    'printf "%s\\n" "$loaded" | sed -n "s/^Loaded image\\(: \\| ID: \\)//p" | tail -n 1',
  ].join("\n");
}

/** What {@link startServiceScript} starts. */
export interface ServiceContainer {
  name: string;
  image: string;
  port: number;
  runId: string;
  env?: Record<string, string> | undefined;
  /** The cores the container is pinned to (`docker run --cpuset-cpus`); all when absent. */
  cpus?: readonly number[] | undefined;
  /** Seconds between resource samples (docker stats gives about one a second; kept as metadata). */
  intervalSeconds: number;
}

/**
 * The resource recorder that runs on the node: `docker stats` of the service's container (CPU,
 * 100 = one core; memory usage) and the node's /proc/stat and /proc/meminfo, one row per interval, as
 * a `sizer-metrics` CSV (docs/formats.md section 2). Plain sh, awk and sed: nothing to install.
 * Arguments: container name, output file, interval.
 */
export const RECORDER_SCRIPT = `name="$1"; out="$2"; interval="$3"
cpus=$(getconf _NPROCESSORS_ONLN)
{
  printf '# format: sizer-metrics\\n# formatVersion: 1\\n# source: native\\n'
  printf '# sourceVersion: sizer-aws-node-recorder 1 (docker stats, /proc)\\n'
  printf '# host: %s\\n# intervalSeconds: %s\\n# container: %s\\n' "$(hostname)" "$interval" "$name"
  printf 'time,host.cpu.count,host.cpu.percent,host.mem.total,host.mem.available,host.mem.used,host.mem.percent,container.%s.cpu.percent,container.%s.mem.usage\\n' "$name" "$name"
} > "$out"
previous_total=0; previous_idle=0; last=0
# docker stats redraws about every 0.5 s with data of about every second: one row per interval.
spacing=$(awk -v i="$interval" 'BEGIN { printf "%d", i * 800 }')
docker stats --format '{{.CPUPerc}}|{{.MemUsage}}' "$name" 2>/dev/null | sed -u 's/\\x1b\\[[0-9;]*[A-Za-z]//g' | while IFS= read -r line; do
  case "$line" in *'|'*) ;; *) continue ;; esac
  now=$(date +%s%3N)
  [ $((now - last)) -lt "$spacing" ] && continue
  last=$now
  read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
  total=$((user + nice + system + idle + iowait + irq + softirq + steal)); idle_all=$((idle + iowait))
  host_cpu=""
  if [ "$previous_total" -gt 0 ] && [ "$total" -gt "$previous_total" ]; then
    host_cpu=$(awk -v t=$((total - previous_total)) -v i=$((idle_all - previous_idle)) 'BEGIN { printf "%.1f", 100 * (t - i) / t }')
  fi
  previous_total=$total; previous_idle=$idle_all
  memory=$(awk '/^MemTotal:/ { t = $2 * 1024 } /^MemAvailable:/ { a = $2 * 1024 } END { printf "%.0f,%.0f,%.0f,%.1f", t, a, t - a, 100 * (t - a) / t }' /proc/meminfo)
  container=$(printf '%s\\n' "$line" | awk -F'|' '{
    cpu = $1; sub(/%.*/, "", cpu); cpu = cpu + 0
    split($2, parts, "/"); usage = parts[1]; gsub(/ /, "", usage)
    unit = usage; sub(/^[0-9.]+/, "", unit); value = usage + 0
    m = 1
    if (unit == "KiB") m = 1024; else if (unit == "MiB") m = 1048576; else if (unit == "GiB") m = 1073741824
    else if (unit == "kB") m = 1000; else if (unit == "MB") m = 1000000; else if (unit == "GB") m = 1000000000
    printf "%.2f,%.0f", cpu, value * m
  }')
  printf '%s,%s,%s,%s,%s\\n' "$now" "$cpus" "$host_cpu" "$memory" "$container" >> "$out"
done
`;

/**
 * Starts the service's container on the node's network (host networking: it listens on the
 * node's address), then the recorder in its own session (so that stopping it ends its pipeline).
 */
export function startServiceScript(container: ServiceContainer): string {
  const envFlags = Object.entries(container.env ?? {})
    .map(([key, value]) => `-e ${shellQuote(`${key}=${value}`)}`)
    .join(" ");
  const cpuset = container.cpus?.length ? `--cpuset-cpus ${shellQuote(formatCpuList(container.cpus))} ` : "";
  return [
    "set -e",
    WORK_FOLDER,
    `name=${shellQuote(container.name)}`,
    `image=${shellQuote(container.image)}`,
    `port=${shellQuote(String(container.port))}`,
    `run_id=${shellQuote(container.runId)}`,
    'docker rm -f "$name" >/dev/null 2>&1 || true',
    "rm -f metrics.csv service.log recorder.pid run.err",
    `docker run -d --name "$name" --label "io.sizer.aws-run=$run_id" --network host ${cpuset}-e "PORT=$port" ${envFlags} "$image" >container.id 2>run.err || { cat run.err >&2; exit 1; }`,
    // What docker said while starting it (a platform mismatch, no engine behind a stand-in...): for the progress.
    'if [ -s run.err ]; then sed "s/^/docker: /" run.err; fi',
    "cat > record.sh <<'SIZER_RECORDER'",
    RECORDER_SCRIPT.trimEnd(),
    "SIZER_RECORDER",
    `setsid sh record.sh "$name" "$d/metrics.csv" ${shellQuote(String(container.intervalSeconds))} > recorder.log 2>&1 < /dev/null &`,
    'printf "%s\\n" "$!" > recorder.pid',
  ].join("\n");
}

/** Waits for the container to end (it may be running for the whole load); prints its exit code. */
export function waitContainerScript(name: string): string {
  return ["set -e", `docker wait ${shellQuote(name)}`].join("\n");
}

/** How many times {@link stopServiceScript} tries to remove the container, a second apart. */
export const CONTAINER_REMOVAL_TRIES = 10;

/**
 * Stops the recorder, keeps the container's log, removes the container (trying again while it is still
 * there); prints the working folder,
 * then the container's state as it was before (`running 0`, `exited 137`, or nothing when it was gone).
 */
export function stopServiceScript(name: string): string {
  return [
    WORK_FOLDER,
    `name=${shellQuote(name)}`,
    // The recorder leads its own process group (setsid): end the whole pipeline, then wait until it is gone.
    "if [ -f recorder.pid ]; then",
    "  recorder=$(cat recorder.pid)",
    '  kill -TERM "-$recorder" 2>/dev/null || kill -TERM "$recorder" 2>/dev/null || true',
    '  tries=0; while kill -0 "-$recorder" 2>/dev/null && [ "$tries" -lt 50 ]; do sleep 0.2; tries=$((tries + 1)); done',
    "fi",
    `state=$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name" 2>/dev/null || true)`,
    'docker logs --timestamps "$name" > service.log 2>&1 || true',
    // A busy engine can fail a removal (the kill's exit event late): try again until the container is gone.
    "tries=0",
    `while docker inspect --format '{{.State.Status}}' "$name" >/dev/null 2>&1 && [ "$tries" -lt ${CONTAINER_REMOVAL_TRIES} ]; do`,
    '  if [ "$tries" -gt 0 ]; then sleep 1; fi',
    '  docker rm -f "$name" >/dev/null 2>&1 || true',
    "  tries=$((tries + 1))",
    "done",
    "touch metrics.csv",
    'printf "%s\\n%s\\n" "$d" "$state"',
  ].join("\n");
}

/** A loader's working folder: the scenario, its live record and its results. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template.
const LOADER_FOLDER = 'cd "${HOME:-/root}/sizer-aws/load" 2>/dev/null || exit 0';

/** The exit code of {@link loaderPrepareScript} when the node cannot run loadcore (docs/exit-codes.md: nodeUnavailable). */
export const LOADER_UNUSABLE_EXIT = 11;

/**
 * Checks the node can run the loader command (its first word found; with `npx`, `node` too, in the
 * version loadcore needs; with `needsGit`, for a `--repo` test, git), then prints the loader's working folder (where the scenario goes and the
 * results come from). A node that cannot says what is missing and exits {@link LOADER_UNUSABLE_EXIT}.
 */
export function loaderPrepareScript(command: readonly string[], needsGit = false): string {
  const program = command[0] ?? "npx";
  const name = program.split("/").pop();
  const missing = (what: string) =>
    `{ echo "this loader node has no ${what}: install Node.js 20 or later, or give --loader-command" >&2; exit ${LOADER_UNUSABLE_EXIT}; }`;
  return [
    "set -e",
    WORK_FOLDER,
    `program=${shellQuote(program)}`,
    `command -v "$program" >/dev/null 2>&1 || ${missing("$program (the loader command's first word)")}`,
    ...(name === "npx" || name === "node"
      ? [
          // npx runs the node of the PATH; a node given by its path runs itself
          `node=${name === "node" ? '"$program"' : "node"}`,
          `command -v "$node" >/dev/null 2>&1 || ${missing("node")}`,
          `major=$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)`,
          `[ "$major" -ge 20 ] 2>/dev/null || { echo "this loader node has Node.js $("$node" --version 2>/dev/null), loadcore needs 20 or later" >&2; exit ${LOADER_UNUSABLE_EXIT}; }`,
        ]
      : []),
    // moloslave clones the test's repository on the node
    ...(needsGit
      ? [
          `command -v git >/dev/null 2>&1 || { echo "this loader node has no git (--repo clones the test's repository there)" >&2; exit ${LOADER_UNUSABLE_EXIT}; }`,
        ]
      : []),
    'mkdir -p "$d/load"',
    'printf "%s\\n" "$d/load"',
  ].join("\n");
}

/**
 * Prints the lines of a loader's live record from line `from + 1` on, `count` at most (what it
 * appended since the last read); nothing when there is none yet.
 */
export function loaderLiveScript(from: number, count: number): string {
  return [LOADER_FOLDER, `tail -n +${from + 1} live.ndjson 2>/dev/null | head -n ${count}`, "exit 0"].join(
    "\n",
  );
}

/** The global sizing stop: loadcore ends its load as a sizing stop (its live record's stop file), results written. */
export function loaderSizingStopScript(): string {
  return [LOADER_FOLDER, "touch live.ndjson.stop", "exit 0"].join("\n");
}

/** What {@link loaderRunScript} runs on one loader node. */
export interface LoaderRun {
  /** The loader's working folder ({@link loaderPrepareScript}), holding `scenario.ts`. */
  folder: string;
  /** Epoch milliseconds when every loader starts its load (the agreed time). */
  startAt: number;
  /** The command that runs loadcore on the node (`--loader-command`), split into words. */
  command: readonly string[];
  /** loadcore's flags: this loader's share of the load. */
  flags: readonly string[];
  /** The service's URL, the scenario's SERVER_URL. */
  serverUrl: string;
  /**
   * What the command runs: `scenario.ts` uploaded into the folder (loadcore), or a test of a Git
   * repository that the command (moloslave) clones; default the file.
   */
  scenario?: { kind: "file" } | { kind: "repo"; repo: string; test: string; ref?: string | undefined };
}

/**
 * Waits for the agreed time, then runs loadcore with this loader's share, its results written to
 * `results.json` in the loader's folder (its output to `loadcore.log`, its live record to
 * `live.ndjson`), its pid in `loadcore.pid` for {@link loaderStopScript}. Exits with loadcore's code.
 */
export function loaderRunScript(run: LoaderRun): string {
  const scenario = run.scenario ?? { kind: "file" };
  const target =
    scenario.kind === "file"
      ? ["-o", "results.json", "scenario.ts"]
      : [
          "--output",
          "results.json",
          ...(scenario.ref ? ["--ref", scenario.ref] : []),
          scenario.repo,
          scenario.test,
        ];
  const command = [...run.command, ...run.flags, "-q", ...target];
  return [
    `cd ${shellQuote(run.folder)}`,
    "rm -f results.json stop loadcore.pid live.ndjson live.ndjson.stop",
    // GNU date gives milliseconds; a node without it waits to the whole second.
    `wait=$(( ${run.startAt} - $(date +%s%3N 2>/dev/null || echo $(( $(date +%s) * 1000 ))) ))`,
    'if [ "$wait" -gt 0 ]; then sleep "$((wait / 1000)).$(printf %03d $((wait % 1000)))"; fi',
    'if [ -f stop ]; then echo "stopped before the agreed start" >&2; exit 130; fi',
    `SERVER_URL=${shellQuote(run.serverUrl)} ${command.map(shellQuote).join(" ")} >loadcore.log 2>&1 &`,
    'echo "$!" >loadcore.pid',
    'wait "$!"',
  ].join("\n");
}

/**
 * Stops a loader's loadcore as Ctrl-C would (SIGTERM: it ends the load and still writes its
 * results, exit 130); nothing when it is not running.
 */
export function loaderStopScript(folder: string): string {
  return [
    `cd ${shellQuote(folder)} 2>/dev/null || exit 0`,
    "touch stop",
    '[ -f loadcore.pid ] && kill -TERM "$(cat loadcore.pid)" 2>/dev/null',
    "exit 0",
  ].join("\n");
}
