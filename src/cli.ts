#!/usr/bin/env node
// The dockmod command: argument parsing here, the work in run.ts; the engine never sees yargs.
import type { RunOptions } from './cli/run.js';
import type { FormatName } from './formats/index.js';
import { escapeUnsafe } from './engine/escape.js';

const list = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : [v].flat().flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

/** --transform-timeout, in seconds, as milliseconds. */
function timeoutMs(seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new Error(`--transform-timeout takes a number of seconds above 0, not ${seconds}`);
  return seconds * 1000;
}

/** The values of a repeatable (array) option, none when it is not given. */
const repeated = (v: string[] | undefined): string[] => v ?? [];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What the default command reads from its options; yargs gives it, or plainRun() for a command line of paths only. */
interface PathsArgs {
  paths?: string[];
  write?: boolean;
  check?: boolean;
  'list-different': boolean;
  only?: string[];
  skip?: string[];
  unsafe: boolean;
  context?: string;
  transform?: string[];
  'transform-timeout'?: number;
  stdin: boolean;
  'stdin-filepath'?: string;
  'no-gitignore': boolean;
  workers?: number;
  verbose: boolean;
  color?: boolean;
  'list-transforms': boolean;
  format: FormatName;
  cache?: boolean;
  'cache-location'?: string;
  'summary-file'?: string;
}

/** The defaults of the default command's options, for yargs and for plainRun alike. */
const DEFAULTS = { 'list-different': false, unsafe: false, stdin: false, 'no-gitignore': false, verbose: false, 'list-transforms': false, format: 'diff' } as const satisfies Partial<PathsArgs>;

/** `raw`: the arguments as given, for the lone '-' that yargs drops from positionals. */
async function runPaths(argv: PathsArgs, raw: string[]): Promise<number> {
  if (argv['list-transforms']) {
    const { resolveModule } = await import('./cli/config.js');
    const { transformsWith } = await import('./cli/custom-transforms.js');
    const all = await transformsWith(repeated(argv.transform).map((m) => resolveModule(m, process.cwd())), timeoutMs(argv['transform-timeout']));
    const width = Math.max(...all.map((t) => t.id.length));
    for (const t of all) process.stdout.write(`${t.id.padEnd(width)}  ${t.safety.padEnd(6)}  ${t.summary}\n`);
    return 0;
  }
  const named = argv.paths ?? [];
  const fromStdin = raw.includes('-');
  if (fromStdin && (named.length > 0 || argv.stdin)) throw new Error("'-' reads one Dockerfile from standard input: name no other paths and no --stdin");
  if (argv['stdin-filepath'] !== undefined && !fromStdin) throw new Error("--stdin-filepath goes with '-' (the Dockerfile on standard input)");
  if (argv['list-different'] && argv.format !== 'diff') throw new Error('--list-different prints file names only: it takes no --format');
  const listed = argv.stdin ? (await readStdin()).split(/\r?\n/).map((l) => l.trim()).filter(Boolean) : [];
  const paths = fromStdin ? [] : [...named, ...listed];
  const options: RunOptions = {
    paths: paths.length || argv.stdin ? paths : ['.'],
    stdin: fromStdin ? { text: await readStdin(), filepath: argv['stdin-filepath'] } : undefined,
    transformModules: repeated(argv.transform),
    transformTimeoutMs: timeoutMs(argv['transform-timeout']),
    gitignore: !argv['no-gitignore'],
    workers: argv.workers,
    mode: argv.write ? 'write' : argv.check ? 'check' : argv['list-different'] ? 'list-different' : 'diff',
    only: list(argv.only),
    skip: list(argv.skip),
    unsafe: argv.unsafe,
    contextDir: argv.context,
    verbose: argv.verbose,
    color: argv.color ?? Boolean(process.stdout.isTTY),
    format: argv.format,
    cache: argv.cache,
    cacheLocation: argv['cache-location'],
    summaryFile: argv['summary-file'],
  };
  const { run } = await import('./cli/run.js');
  return run(options, { stdout: process.stdout, stderr: process.stderr });
}

/** explain's and verify's Dockerfile with the build context and settings the default command gives it. */
const setupOf = (argv: { dockerfile: string; context?: string; only?: string[]; skip?: string[]; unsafe: boolean }) => async () => {
  const { planDockerfile } = await import('./cli/plan.js');
  return planDockerfile(argv.dockerfile, { cwd: process.cwd(), contextDir: argv.context, only: list(argv.only), skip: list(argv.skip), unsafe: argv.unsafe });
};

/** Words yargs reads as commands, not paths. */
const COMMAND_WORDS = new Set(['explain', 'verify', 'lsp', 'help']);

/**
 * `dockmod <paths..>` with no option, the common case, skips loading yargs (a third of a one-file run's time):
 * undefined when the command line needs yargs.
 */
async function plainRun(raw: string[]): Promise<number | undefined> {
  if (raw.some((a) => a === '' || a.startsWith('-') || COMMAND_WORDS.has(a))) return undefined;
  try {
    return await runPaths({ ...DEFAULTS, paths: raw.length ? raw : undefined }, raw);
  } catch (error) {
    process.stderr.write(`dockmod: ${escapeUnsafe((error as Error).message)}\n`);
    return 2;
  }
}

async function main(): Promise<number> {
  const plain = await plainRun(process.argv.slice(2));
  if (plain !== undefined) return plain;
  const [{ default: yargs }, { hideBin }, { FORMAT_NAMES }] = await Promise.all([import('yargs'), import('yargs/helpers'), import('./formats/index.js')]);
  let exitCode = 0;
  await yargs(hideBin(process.argv))
    .scriptName('dockmod')
    .usage('$0 [paths..]\n\nRewrites Dockerfiles so the build cache works for you. Prints a unified diff by default.')
    .command(
      '$0 [paths..]',
      'optimize the Dockerfiles under paths (default: .)',
      (y) =>
        y
          .positional('paths', { type: 'string', array: true, describe: "files, folders or globs (default: .); '-' reads one Dockerfile from standard input" })
          .option('write', { alias: 'w', type: 'boolean', describe: 'rewrite files in place' })
          .option('check', { type: 'boolean', describe: 'exit 1 and name the files when something would change' })
          .option('list-different', { alias: 'l', type: 'boolean', default: DEFAULTS['list-different'], describe: 'print only the names of files that would change' })
          .option('only', { type: 'string', array: true, describe: 'comma-separated transform ids to run (repeatable)' })
          .option('skip', { type: 'string', array: true, describe: 'comma-separated transform ids not to run (repeatable)' })
          .option('unsafe', { type: 'boolean', default: DEFAULTS.unsafe, describe: 'also apply unsafe transforms' })
          .option('context', { type: 'string', describe: "build context folder for every Dockerfile (default: from compose and bake files and GitHub workflows, else each Dockerfile's folder, or the nearest folder above it that has the files it copies by name)" })
          .option('transform', { type: 'string', array: true, describe: 'load custom transforms from this module (.js, .mjs or .ts; repeatable)' })
          .option('transform-timeout', { type: 'number', describe: 'seconds one call of a custom transform may take before it is stopped (default 10)' })
          .option('stdin', { type: 'boolean', default: DEFAULTS.stdin, describe: 'read the paths to process from standard input, one a line' })
          .option('stdin-filepath', { type: 'string', describe: "with '-': the path of the Dockerfile read from standard input, for its context and config" })
          .option('no-gitignore', { type: 'boolean', default: DEFAULTS['no-gitignore'], describe: 'also search folders .gitignore excludes' })
          .option('workers', { type: 'number', describe: 'worker threads (default: one per core from 1,500 files on with 2 cores, 400 with more; 0: in-process)' })
          .option('verbose', { alias: 'v', type: 'boolean', default: DEFAULTS.verbose, describe: 'print every skip with its reason' })
          .option('color', { type: 'boolean', describe: 'colour the diff (default: when stdout is a terminal)' })
          .option('list-transforms', { type: 'boolean', default: DEFAULTS['list-transforms'], describe: 'list the transforms and exit' })
          .option('format', { alias: 'f', choices: FORMAT_NAMES, default: DEFAULTS.format as FormatName, describe: 'output: a unified diff, or one report over all files (see docs/formats.md)' })
          .option('cache', { type: 'boolean', describe: "reuse each file's result from an earlier run when nothing it depends on has changed (default: the config's \"cache\")" })
          .option('cache-location', { type: 'string', describe: 'the cache file (default: node_modules/.cache/dockmod/results.json up the tree, else the user cache folder)' })
          .option('summary-file', { type: 'string', describe: "also write a pull request's title (first line) and markdown body on what changed to this file (see docs/campaigns.md)" })
          .conflicts('write', 'check'),
      async (argv) => {
        exitCode = await runPaths(argv, hideBin(process.argv));
      },
    )
    .command(
      'explain <dockerfile>',
      'simulate the build cache for a change to the build context: which steps re-run, before and after dockmod',
      (y) =>
        y
          .positional('dockerfile', { type: 'string', demandOption: true })
          .option('changed', { type: 'string', array: true, describe: 'changed file or folder, relative to the context (repeatable; default: one source file no manifest list names)' })
          .option('context', { type: 'string', describe: "build context folder (default: as for paths: from compose and bake files and GitHub workflows, else the Dockerfile's folder or the nearest above it that has the files it copies by name)" })
          .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output format' })
          .option('only', { type: 'string', array: true, describe: 'comma-separated transform ids to run (repeatable)' })
          .option('skip', { type: 'string', array: true, describe: 'comma-separated transform ids not to run (repeatable)' })
          .option('unsafe', { type: 'boolean', default: false, describe: 'also apply unsafe transforms' }),
      async (argv) => {
        const { runExplain } = await import('./explain/explain-command.js');
        exitCode = await runExplain(
          { dockerfile: argv.dockerfile, setup: setupOf(argv), changed: repeated(argv.changed), format: argv.format },
          { stdout: process.stdout, stderr: process.stderr },
        );
      },
    )
    .command(
      'verify <dockerfile>',
      'build the original and the rewritten file with a real builder, edit a source file, rebuild both, report the cache and compare the images',
      (y) =>
        y
          .positional('dockerfile', { type: 'string', demandOption: true })
          .option('builder', { choices: ['buildah', 'docker', 'podman'] as const, describe: 'default: docker if its daemon answers, else podman, else buildah' })
          .option('context', { type: 'string', describe: "build context folder (default: as for paths: from compose and bake files and GitHub workflows, else the Dockerfile's folder or the nearest above it that has the files it copies by name)" })
          .option('edit', { type: 'string', describe: 'context-relative source file to edit (default: one no manifest list names)' })
          .option('base-image', { type: 'string', array: true, describe: 'substitute a FROM image: from=to (repeatable)' })
          .option('only', { type: 'string', array: true, describe: 'comma-separated transform ids to run (repeatable)' })
          .option('skip', { type: 'string', array: true, describe: 'comma-separated transform ids not to run (repeatable)' })
          .option('unsafe', { type: 'boolean', default: false, describe: 'also apply unsafe transforms' }),
      async (argv) => {
        const { runVerify } = await import('./verify/verify-command.js');
        exitCode = await runVerify(
          {
            dockerfile: argv.dockerfile,
            setup: setupOf(argv),
            builder: argv.builder,
            editFile: argv.edit,
            baseImages: argv['base-image'],
          },
          { stdout: process.stdout, stderr: process.stderr },
        );
      },
    )
    .command(
      'lsp',
      'serve diagnostics and quick fixes to an editor: a Language Server Protocol server (see docs/editors.md)',
      (y) => y.option('stdio', { type: 'boolean', default: true, describe: 'talk over standard input and output (the one transport)' }),
      async () => {
        // Loaded here only: the language server's libraries cost the other commands nothing.
        const { startServer } = await import('./lsp/server.js');
        startServer(process.stdin, process.stdout);
      },
    )
    // yargs collects a single-value option given twice into a list, which its command would then misread.
    .check((argv) => {
      // Each option once, by its dashed name (yargs adds a camelCase alias beside it).
      const twice = Object.keys(argv).find((key) => !/[A-Z]/.test(key) && Array.isArray(argv[key]) && !REPEATABLE.has(key));
      if (twice) throw new Error(`--${twice} is given more than once; it takes one value`);
      return true;
    }, true)
    .strict()
    // Without boolean-negation, `--no-context` would read as context=false: now it is an unknown argument, as it
    // should be. Without greedy-arrays, a repeatable (array) option would take the paths after it as its values.
    .parserConfiguration({ 'boolean-negation': false, 'greedy-arrays': false })
    .help()
    .version()
    .fail((message, error) => {
      process.stderr.write(`dockmod: ${escapeUnsafe(message ?? error?.message ?? '')}\n`);
      process.exit(2);
    })
    .parseAsync();
  return exitCode;
}

/** The options (and positional) that take several values, one per flag. */
const REPEATABLE = new Set(['_', 'paths', 'transform', 'changed', 'base-image', 'only', 'skip']);

// A reader that stops early (`dockmod . | head`) closes the pipe: end quietly with the status a shell tool killed
// by SIGPIPE has, instead of throwing EPIPE. Nothing is lost: --write prints to stdout only after its writes.
// Once per process: the tests import this module again and again.
const onClosedPipe = Symbol.for('dockmod.closed-pipe');
const stdout = process.stdout as typeof process.stdout & { [onClosedPipe]?: true };
if (!stdout[onClosedPipe]) {
  stdout[onClosedPipe] = true;
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(141);
  });
}
process.exitCode = await main();
