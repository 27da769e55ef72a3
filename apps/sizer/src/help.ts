/** `sizer --help`. */
export const MAIN_HELP = `sizer: how much load does one node of my service take, and what runs out first?

Usage:
  sizer run [options]        start (or reach) a service, ramp up load until it breaks, write the report
  sizer report DIR           rebuild report.html, summary.md and summary.json of a saved output folder
  sizer aws run [options]    size a Docker image on EC2 nodes, one per instance type, and compare them
  sizer --version            print the version
  sizer --help               this help ('sizer run --help' lists every option)

Example (the bundled demo service, what 'npm run demo' runs, about two minutes):
  sizer run --service-cmd "node server.mjs" --service-cwd examples/demo-service \\
            --scenario examples/demo-service/loadtest.ts \\
            --workers 120 --ramp-up 90 --sizing-window 10 --duration 110
`;

/** `sizer run --help`. */
export const RUN_HELP = `Usage: sizer run (--service-cmd CMD | --image IMAGE --port PORT | --url URL) (--scenario FILE | --repo URL --test NAME) [options]

The service (one of):
  --service-cmd CMD      command that starts it, split into arguments without a shell; a command using
                         shell syntax (| && > $VAR ...) runs as 'sh -c CMD'. Its whole process tree is
                         ended at the end (SIGTERM, then SIGKILL after 5 s)
  --service-cwd DIR      its working directory
  --service-env K=V      an environment variable for it (repeatable)
  --port PORT            the port it listens on (default: a free port, given to it as PORT)
  --image IMAGE          a Docker image (needs a Docker engine; a missing image is pulled), given
                         --port as PORT; on this machine's network where the engine has no bridge,
                         else its port published on 127.0.0.1
  --docker-network host|bridge   force the container's network (default: bridge if the engine has one)
  --service-memory SIZE  with --image: the container's memory limit, e.g. 512m (docker run --memory)
  --url URL              with --service-cmd: the URL it answers at; alone: an already running service
                         (only the host is monitored then, unless --pid)
  --pid PID              with --url: the service's process, to monitor its tree
  --health-url URL|PATH  polled until it answers 2xx (default: the service's URL, any answer below 500)
  --ready-timeout S      seconds to wait for readiness (default 30)

The scenario (one of):
  --scenario FILE        a loadcore scenario (.ts, .mts, .js, .mjs); it reads the URL from SERVER_URL,
                         given without a trailing slash, for \${SERVER_URL}/path (http://127.0.0.1:PORT)
  --repo URL --test NAME a test of a Git repo's molotov.json, run through moloslave (--ref REF)

The load (loadcore's sizing; default 500 workers over 300 s, tolerance 5%, window 60 s; a ramp-up
longer than --duration gets a warning: the run would end before most workers start):
  -w, --workers N        workers per process          --ramp-up S           seconds to start them all
  -d, --duration S       upper bound of the run       --sizing-tolerance P  error ratio that stops it, %
  --sizing-window S      sliding window, seconds      --sizing-latency pNN=MS  latency objective, e.g. p95=500
  --sizing-min-samples N runs before any decision     -p, --processes N     load processes
  --timeout S            per-request timeout          --seed N              seed of the scenario choice
  -k, --insecure         accept any TLS certificate of an https service (self-signed); to trust a
                         private CA instead: NODE_EXTRA_CA_CERTS=ca.pem sizer run ...
  --ramp-rate FROM:TO    size on an arrival rate instead of workers: the target runs/s climbs from
                         FROM to TO over --ramp-up; capacity in req/s, latency from each planned start
                         (--max-workers N bounds the pool; a constant --rate cannot size)
  --model workers|auto   auto: when a handful of workers already fail (the limit is below what they
                         send), size again on the advised arrival-rate ramp, from half to 1.5 times the
                         successful runs/s that run measured (--ramp-rate S/2:1.5S --ramp-up 60); the
                         verdict is that run, the workers run is kept in OUT/workers-model/
  Every other loadcore run option works too, under loadcore's flag ('loadcore --help'): --sizing
  (always on), -v/--verbose (into loadcore.log), -x/--exception and -f/--fail N (exit 1 when crossed),
  --delay S, -r/--max-runs N, --use-extension FILE, --single-run, -s/--single-mode NAME,
  --console-update S, --force-shutdown, --rate R (refused: a constant rate cannot size),
  --pre-allocated-workers N (with --ramp-rate), --live FILE (one NDJSON line a second),
  --sizing-decision external (another process stops the ramp: FILE.stop). A flag that takes one
  value may be given once. Values are checked by loadcore before anything starts (exit 2).

Resources and cores:
  --collector native|glances   what records the resources (default native: /proc and cgroups;
                         glances records the host only, not the service's own CPU and memory)
  --glances-url URL      with --url alone: the Glances web server (glances -w) of the service's host,
                         whose REST API records that host's resources (the service on another machine)
  --interval S           seconds between resource samples (default 1)
  --service-cpus LIST    cores for the service, e.g. 1 or 2-3 (default with 2+ cores: the last half)
  --load-cpus LIST       cores for the load generator (default: the other cores)
  --no-pin               no pinning (taskset) at all

Output:
  -o, --out DIR          output folder (default ./sizer-report-<timestamp>/, must be new or empty)
  --title TEXT           title of the report
  --plotly BUNDLE        plotly.js bundle inlined in report.html: basic (default, renders fastest)
                         or full
  -q, --quiet            print nothing but warnings and errors
  --json                 print progress and the verdict as JSON lines

Exit codes: 0 done, 1 -f/--fail N or -x crossed (the report is written), 2 bad usage (a bad flag
or value, a non-empty or file --out), 3 service could not start or be reached, or no scenario run
succeeded (the report is written), 4 the service died mid-run (partial report), 5 bad scenario,
6 'sizer report DIR': no readable saved
run, 7 resources cannot be recorded, 70 internal error, 130 interrupted (partial report). The same
table in loadcore and moloslave: docs/exit-codes.md.
`;
