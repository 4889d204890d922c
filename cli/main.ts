/**
 * The `mmflow` command line. Each command lives in its own module; this file only declares them.
 * Results go to stdout (the last line of a command that produces figures is one JSON object);
 * logs go to stderr.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { EngineCliOptions } from '../native/config.ts';

const program = new Command('mmflow')
  .description('Crypto market making end to end: Temporal pipelines and an always-on quoting engine.')
  .option('--verbose', 'print stack traces with errors')
  .showHelpAfterError();

/** Whether `--verbose` was given (anywhere on the command line). */
const verbose = (): boolean => program.opts<{ verbose?: boolean }>().verbose === true;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`expected a non-negative number, got "${value}"`);
  return n;
}

program
  .command('start')
  .description(
    'Run the main job: embedded PostgreSQL + Temporal (unless DATABASE_URL / TEMPORAL_ADDRESS are set), migrations, worker, pipelines/demo.yaml, the quoting engine in replay mode, KPIs.',
  )
  .option('--once', 'exit when the job is done instead of serving the worker and Web UI until Ctrl-C')
  .option('--pipeline <file>', 'pipeline file to run', 'pipelines/demo.yaml')
  .action(async (opts: { once?: boolean; pipeline: string }) => {
    const { runMainJob } = await import('./start.ts');
    process.exitCode = await runMainJob({ once: opts.once === true, pipelineFile: opts.pipeline });
  });

program
  .command('backtest')
  .description(
    'Backtest one recorded session (files in the format of ../shared/data); prints the KPIs as JSON on the last line.',
  )
  .requiredOption('--depth <file>', 'depth file (*.depth.jsonl.gz) with a snapshot')
  .requiredOption('--trades <file>', 'trades file (*.trades.jsonl.gz) of the same session')
  .option(
    '--model <version>',
    'model version id from the registry (needs PostgreSQL); default: the built-in default parameters',
  )
  .option('--entry-latency-ms <ms>', 'order-entry latency', positiveNumber, 5)
  .option('--cancel-latency-ms <ms>', 'cancel latency', positiveNumber, 5)
  .option(
    '--fee-tier <name>',
    "fee tier of the session's venue in config/instruments.json (regular, vip1…vip9, mm1…); default: the venue's default tier (regular)",
  )
  .option(
    '--book-ticker <file>',
    'bookTicker file (*.bookTicker.jsonl.gz) of the same session: quote against the fastest top of book (docs/adr/0020)',
  )
  .action(
    async (opts: {
      depth: string;
      trades: string;
      model?: string;
      entryLatencyMs: number;
      cancelLatencyMs: number;
      feeTier?: string;
      bookTicker?: string;
    }) => {
      const { runBacktestCommand } = await import('./backtest.ts');
      process.exitCode = await runBacktestCommand(opts);
    },
  );

program
  .command('report')
  .description(
    'Re-run a stored backtest (RUN_ID of backtest_runs) or a recorded session (--depth, --trades) and write one self-contained HTML report (equity, inventory, mark-outs, PnL attribution, fills); prints the KPIs as a table, the report path, then JSON on the last line.',
  )
  .argument('[runId]', 'id of a stored backtest run (DATABASE_URL, else the embedded database)')
  .option('--depth <file>', 'depth file (*.depth.jsonl.gz) with a snapshot (instead of a run id)')
  .option('--trades <file>', 'trades file (*.trades.jsonl.gz) of the same session')
  .option('--model <version>', 'model version id from the registry; default: the built-in default parameters')
  .option('--fee-tier <name>', "fee tier of the session's venue (config/instruments.json); default: regular")
  .option('--entry-latency-ms <ms>', 'order-entry latency (files only)', positiveNumber, 5)
  .option('--cancel-latency-ms <ms>', 'cancel latency (files only)', positiveNumber, 5)
  .option('--out <file>', 'HTML file to write; default <state dir>/reports/<session>-<model>.html')
  .action(
    async (runId: string | undefined, opts: Omit<import('./report.ts').ReportCommandOptions, 'runId'>) => {
      const { runReportCommand } = await import('./report.ts');
      process.exitCode = await runReportCommand({ ...opts, ...(runId === undefined ? {} : { runId }) });
    },
  );

program
  .command('quote')
  .description('Run the always-on quoting engine (modes: replay | paper | live).')
  .option('--mode <mode>', 'replay | paper | live (required unless --slot)')
  .option('--session <prefix>', 'recorded session prefix (replay mode)')
  .option('--model <version>', 'model version id from the registry (fixed runs, replays)')
  .option('--slot <id>', 'follow a deployment slot: mode, venue, symbol and model come from its row')
  .option('--pace <pace>', 'replay pace: fast | recorded', 'fast')
  .option('--port <port>', 'HTTP port for /healthz and /metrics (0 = any free port)', '0')
  .option('--host <host>', 'HTTP bind address', '127.0.0.1')
  .option('--data-dir <dir>', 'recorded data folder (default MMFLOW_DATA_DIR or ../shared/data)')
  .option('--venue <venue>', 'binance-spot | binance-usdm (paper/live)')
  .option('--symbol <symbol>', 'exchange symbol, e.g. BTCUSDT (paper/live)')
  .option(
    '--exchange-url <url>',
    "http://host:port of a server speaking Binance's protocol, e.g. mmflow exchange-sim (paper/live)",
  )
  .option('--order-latency-us <us>', 'simulated order-entry latency (replay/paper)')
  .option('--cancel-latency-us <us>', 'simulated cancel latency (replay/paper)')
  .option('--flush-interval-ms <ms>', 'how often quotes/orders/fills are written to PostgreSQL')
  .option('--reconcile-interval-ms <ms>', 'live: how often the account is reconciled (default 5000)')
  .option('--ignore-foreign-orders', 'live: start despite open orders this engine did not place')
  .option(
    '--inventory-baseline-base <amount>',
    'live spot: base held outside the strategy; inventory = free + locked base − this (default 0)',
  )
  .action(async (opts: EngineCliOptions) => {
    const { runQuoteCommand } = await import('../native/cli.ts');
    process.exitCode = await runQuoteCommand(opts);
  });

program
  .command('kill')
  .description(
    'Latch the kill switch of an engine (DATABASE_URL): it cancels everything and stays halted until resumed.',
  )
  .requiredOption('--engine <id>', 'engine id (its MMFLOW_ENGINE_ID)')
  .requiredOption('--reason <text>', 'why (stored)')
  .option('--by <name>', 'who kills (default: the OS user)')
  .action(async (opts: { engine: string; reason: string; by?: string }) => {
    const { runKillCommand } = await import('./kill.ts');
    process.exitCode = await runKillCommand(opts);
  });

program
  .command('resume')
  .description('Lift the kill switch of an engine (DATABASE_URL).')
  .requiredOption('--engine <id>', 'engine id (its MMFLOW_ENGINE_ID)')
  .requiredOption('--by <name>', 'who resumes (stored)')
  .requiredOption('--reason <text>', 'why (stored)')
  .action(async (opts: { engine: string; by: string; reason: string }) => {
    const { runResumeCommand } = await import('./resume.ts');
    process.exitCode = await runResumeCommand(opts);
  });

program
  .command('rollback')
  .description(
    'Start rollbackWorkflow (TEMPORAL_ADDRESS): pull the challenger, restore the previous champion; prints the workflow id.',
  )
  .requiredOption(
    '--model <version>',
    'version to roll back, NAME@N (the challenger, or a champion to replace by the previous one)',
  )
  .requiredOption('--by <name>', 'who rolls back (stored)')
  .requiredOption('--reason <text>', 'why (stored)')
  .option(
    '--challenger-slots <ids>',
    'comma-separated slots quoting the version (default: found from the slots)',
  )
  .option('--champion-slots <ids>', 'comma-separated slots put back on the champion at full capital')
  .option('--task-queue <name>', 'task queue of the worker', 'mmflow')
  .action(async (opts: import('./rollback.ts').RollbackCommandOptions) => {
    const { runRollbackCommand } = await import('./rollback.ts');
    process.exitCode = await runRollbackCommand(opts);
  });

program
  .command('promote')
  .description('Start promoteWorkflow (TEMPORAL_ADDRESS), approval given: NAME@N becomes champion.')
  .requiredOption('--model <version>', 'version id NAME@N')
  .requiredOption('--by <name>', 'who promotes (stored as the approver)')
  .requiredOption('--reason <text>', 'why (stored)')
  .option('--task-queue <name>', 'task queue of the worker', 'mmflow')
  .action(async (opts: import('./promote.ts').PromoteCommandOptions) => {
    const { runPromoteCommand } = await import('./promote.ts');
    process.exitCode = await runPromoteCommand(opts);
  });

program
  .command('worker')
  .description('Run a Temporal worker on task queue "mmflow" against TEMPORAL_ADDRESS and DATABASE_URL.')
  .option('--task-queue <name>', 'task queue to poll', 'mmflow')
  .action(async (opts: { taskQueue: string }) => {
    const { runWorkerCommand } = await import('./worker.ts');
    process.exitCode = await runWorkerCommand(process.env, opts.taskQueue);
  });

program
  .command('migrate')
  .description('Apply the SQL migrations in infra/migrations to DATABASE_URL.')
  .action(async () => {
    const { runMigrateCommand } = await import('./migrate.ts');
    process.exitCode = await runMigrateCommand();
  });

const pipelines = program.command('pipelines').description('Pipeline files (pipelines/*.yaml).');
pipelines
  .command('validate')
  .description('Validate pipeline files; prints every error as file:line:column: field: message.')
  .argument('<files...>')
  .action(async (files: string[]) => {
    const { runValidateCommand } = await import('./pipelines.ts');
    process.exitCode = await runValidateCommand(files);
  });

pipelines
  .command('plan')
  .description('Compile a pipeline file and print its typed, content-hashed plan as JSON.')
  .argument('<file>')
  .action(async (file: string) => {
    const { runPlanCommand } = await import('./pipelines.ts');
    process.exitCode = await runPlanCommand(file);
  });

pipelines
  .command('apply')
  .description(
    'Sync Temporal Schedules with the schedule: sections of pipeline files (default: pipelines/*.yaml).',
  )
  .argument('[files...]')
  .option('--prune', 'also delete pipeline-* Schedules that no file declares')
  .action(async (files: string[], opts: { prune?: boolean }) => {
    const { runApplyCommand } = await import('./pipeline-ops.ts');
    process.exitCode = await runApplyCommand(files, { prune: opts.prune === true, dryRun: false });
  });

pipelines
  .command('diff')
  .description('Show what `apply` would change, without changing anything.')
  .argument('[files...]')
  .option('--prune', 'include deletes of pipeline-* Schedules that no file declares')
  .action(async (files: string[], opts: { prune?: boolean }) => {
    const { runApplyCommand } = await import('./pipeline-ops.ts');
    process.exitCode = await runApplyCommand(files, { prune: opts.prune === true, dryRun: true });
  });

pipelines
  .command('list')
  .description("List pipeline files with their schedules and the Schedules' state on the server.")
  .argument('[files...]')
  .action(async (files: string[]) => {
    const { runListCommand } = await import('./pipeline-ops.ts');
    process.exitCode = await runListCommand(files);
  });

pipelines
  .command('run')
  .description('Start a pipeline now (worker on task queue "mmflow" required); prints the workflow id.')
  .argument('<file>')
  .option(
    '--param <name=value>',
    'set a parameter (JSON value or string); repeatable',
    (v: string, all: string[]) => [...all, v],
    [],
  )
  .option('--wait', 'wait for the result and print it (a failure prints its chain and exits 1)')
  .option('--task-queue <name>', 'task queue of the worker', 'mmflow')
  .action(async (file: string, opts: { param: string[]; wait?: boolean; taskQueue: string }) => {
    const { runPipelineRunCommand } = await import('./pipeline-run.ts');
    process.exitCode = await runPipelineRunCommand(file, {
      params: opts.param,
      wait: opts.wait === true,
      taskQueue: opts.taskQueue,
      verbose: verbose(),
    });
  });

pipelines
  .command('backfill')
  .description("Run a scheduled pipeline's Schedule over a past interval.")
  .argument('<file>')
  .requiredOption('--from <iso>', 'start of the interval (ISO 8601)')
  .requiredOption('--to <iso>', 'end of the interval (ISO 8601)')
  .action(async (file: string, opts: { from: string; to: string }) => {
    const { runBackfillCommand } = await import('./pipeline-ops.ts');
    process.exitCode = await runBackfillCommand(file, opts);
  });

program
  .command('audit')
  .description('Print the decision trail of a workflow (and its steps) from Temporal history.')
  .argument('<workflowId>')
  .option('--format <format>', 'table | json | markdown', 'table')
  .action(async (workflowId: string, opts: { format: string }) => {
    if (opts.format !== 'table' && opts.format !== 'json' && opts.format !== 'markdown') {
      process.stderr.write(`mmflow audit: --format must be table, json or markdown (got "${opts.format}")\n`);
      process.exitCode = 2;
      return;
    }
    const { runAuditCommand } = await import('./audit.ts');
    process.exitCode = await runAuditCommand(workflowId, opts.format);
  });

const study = program.command('study').description('Parameter studies of the retraining pipeline.');
study
  .command('show')
  .description(
    "Print a study's trials, its best trial in and out of sample, and parameter importances (from DATABASE_URL).",
  )
  .argument('<id>', 'study id')
  .option('--json', 'print one JSON object instead of tables')
  .option('--plot <file>', 'write an HTML page with the optimisation history and importances (inline SVG)')
  .option('--follow', "show a progress bar from the workflow's studyStatus query until the study ends")
  .action(async (id: string, opts: { json?: boolean; plot?: string; follow?: boolean }) => {
    const { runStudyShowCommand } = await import('./study.ts');
    process.exitCode = await runStudyShowCommand(id, opts);
  });

/** A positive integer option (e.g. `--limit`). */
function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

const models = program
  .command('models')
  .description('The model registry: versions, status (champion/challenger) history, promotion evidence.');
models
  .command('list')
  .description('List model versions (DATABASE_URL, else the embedded database).')
  .option('--name <name>', 'only versions of this model name')
  .option('--status <status>', 'only this status: candidate | challenger | champion | retired')
  .option('--json', 'print one JSON array instead of a table')
  .action(async (opts: { name?: string; status?: string; json?: boolean }) => {
    const { runModelsListCommand } = await import('./models.ts');
    process.exitCode = await runModelsListCommand(opts);
  });
models
  .command('show')
  .description('Print a model version, its status history and the evidence of its promotion.')
  .argument('<version>', 'version id NAME@N')
  .option('--json', 'print one JSON object instead of tables')
  .action(async (id: string, opts: { json?: boolean }) => {
    const { runModelsShowCommand } = await import('./models.ts');
    process.exitCode = await runModelsShowCommand(id, opts);
  });
models
  .command('history')
  .description('Print every status change of a model name (who, why, workflow), oldest first.')
  .argument('<name>', 'model name')
  .option('--limit <n>', 'only the most recent n changes', positiveInt)
  .option('--json', 'print one JSON array instead of a table')
  .action(async (name: string, opts: { limit?: number; json?: boolean }) => {
    const { runModelsHistoryCommand } = await import('./models.ts');
    process.exitCode = await runModelsHistoryCommand(name, opts);
  });
models
  .command('at')
  .description('Print the version that was champion of a model name at a time (last line JSON).')
  .argument('<name>', 'model name')
  .argument('<time>', 'ISO 8601 (UTC unless an offset is given) or Unix epoch ms')
  .action(async (name: string, time: string) => {
    const { runModelsAtCommand } = await import('./models.ts');
    process.exitCode = await runModelsAtCommand(name, time);
  });

const slots = program
  .command('slots')
  .description('Engine slots (deployments): desired and applied model, capital fraction, risk state.');
slots
  .command('list')
  .description(
    'List slots with desired and applied state and heartbeat (DATABASE_URL, else the embedded database).',
  )
  .option('--json', 'print one JSON array instead of a table')
  .action(async (opts: { json?: boolean }) => {
    const { runSlotsListCommand } = await import('./slots.ts');
    process.exitCode = await runSlotsListCommand(opts);
  });
slots
  .command('show')
  .description('Print a slot and its recent desired-state changes.')
  .argument('<id>', 'slot id')
  .option('--limit <n>', 'changes shown', positiveInt, 20)
  .option('--json', 'print one JSON object instead of tables')
  .action(async (id: string, opts: { json?: boolean; limit: number }) => {
    const { runSlotsShowCommand } = await import('./slots.ts');
    process.exitCode = await runSlotsShowCommand(id, opts);
  });
slots
  .command('create')
  .description(
    'Create an engine slot (idempotent for an identical spec); prints it as JSON on the last line.',
  )
  .requiredOption('--id <id>', 'slot id (letters, digits, . _ : -)')
  .requiredOption('--venue <venue>', 'binance-spot | binance-usdm')
  .requiredOption('--account <account>', 'account (API key name) the slot trades on')
  .requiredOption('--symbol <symbol>', 'exchange symbol, e.g. BTCUSDT')
  .requiredOption('--mode <mode>', 'paper | live')
  .requiredOption('--model-name <name>', 'model name whose aliases the slot may follow')
  .option('--model <ref>', 'champion | challenger | NAME@N', 'champion')
  .option('--fraction <f>', 'capital fraction 0–1', positiveNumber, 1)
  .option('--risk <state>', 'active | halted', 'active')
  .option('--by <name>', 'who creates it (default: the OS user)')
  .requiredOption('--reason <text>', 'why (stored)')
  .action(async (opts: import('./slots.ts').SlotsCreateOptions) => {
    const { runSlotsCreateCommand } = await import('./slots.ts');
    process.exitCode = await runSlotsCreateCommand(opts);
  });

program
  .command('exchange-sim')
  .description(
    'Serve recorded sessions as a local Binance spot / USDⓈ-M venue (REST + WebSocket, market data and trading) for ccxt; prints its URLs as one JSON line.',
  )
  .requiredOption('--session <prefix...>', 'recorded session prefix(es), one per symbol')
  .option('--data <dir>', 'recorded data folder (default MMFLOW_DATA_DIR or ../shared/data)')
  .option('--speed <n>', 'replay speed, x recorded pace', positiveNumber, 1)
  .option('--loop', 'replay the sessions again when they end')
  .option('--port <port>', 'TCP port (0 = any free port)', (v: string) => Math.trunc(positiveNumber(v)), 0)
  .option('--host <host>', 'bind address', '127.0.0.1')
  .option('--account <spec...>', 'KEY:SECRET:ASSET=amount,... (repeatable)')
  .option('--accounts-file <file>', 'JSON file {"accounts":[{"apiKey","secret","balances":{...}}]}')
  .option(
    '--weight-per-minute <n>',
    'spot request weight per API key per minute (429 beyond; USDⓈ-M: Binance default 2400)',
    positiveNumber,
    6000,
  )
  .option(
    '--orders-per-10s <n>',
    'spot new orders per API key per 10 s (429 beyond; USDⓈ-M: 300)',
    positiveNumber,
    100,
  )
  .option(
    '--fault <json...>',
    'fault applied at start, e.g. \'{"fault":"depth","drop":3}\' (repeatable; later: POST <admin>/faults on loopback)',
  )
  .action(async (opts: import('./exchange-sim.ts').ExchangeSimCommandOptions) => {
    const { runExchangeSimCommand } = await import('./exchange-sim.ts');
    process.exitCode = await runExchangeSimCommand(opts);
  });

program
  .command('record')
  .description(
    'Record live depth, trades and bookTicker of symbols into hourly gzip files of the data directory (with gap markers), until Ctrl-C.',
  )
  .requiredOption('--venue <venue>', 'binance-spot | binance-usdm')
  .requiredOption('--symbol <symbol...>', 'exchange symbol(s), e.g. BTCUSDT ETHUSDT')
  .option('--data <dir>', 'data folder written to (default MMFLOW_DATA_DIR or ../shared/data)')
  .option(
    '--exchange-url <url>',
    "http://host:port of a server speaking Binance's protocol, e.g. mmflow exchange-sim",
  )
  .option('--stats-interval-ms <ms>', 'how often the counters are logged', '60000')
  .option('--pg', 'also insert the trades into PostgreSQL (DATABASE_URL)')
  .action(async (opts: import('./record.ts').RecordCommandOptions) => {
    const { runRecordCommand } = await import('./record.ts');
    process.exitCode = await runRecordCommand(opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Any error a command did not handle: one readable block on stderr, the stack only with --verbose.
  const { describeCliError } = await import('./failure.ts');
  const [first, second] = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const command =
    first === 'pipelines' || first === 'study' ? `${first} ${second ?? ''}`.trim() : (first ?? '');
  process.stderr.write(describeCliError(command, err, verbose()));
  process.exitCode = 1;
}
