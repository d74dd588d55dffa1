// One dockmod run over many files: the plan, each file's result reported and shown in the run's mode (a diff, a
// write, a name), the report of the other formats, and the summary and exit code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isChanged } from '../engine/report.js';
import type { FileResult } from '../input/process.js';
import { planRun, type Plan, type PlanOptions } from './plan.js';
import { processAll, startWorkers, stopWorkers, workerCount, type StartedWorker } from './pool.js';
import type { FileJob } from './jobs.js';
import { progressBar } from './progress.js';
import { colorDiff, summaryLine, unifiedDiff, type Tally } from '../formats/output.js';
import { removeStaleTempsNear, writeContextFile, writeFileAtomic } from './write.js';
import { escapeUnsafe, quoteName } from '../engine/escape.js';
import { provenContextMessage } from '../contexts/context-from-sources.js';
import type { FormatInput, FormatName, ReportFormat } from '../formats/index.js';
import { ConfigResolver } from './config.js';
import { defaultCacheLocation, ResultCache, withCache } from './cache.js';

export type Mode = 'diff' | 'write' | 'check' | 'list-different';

/** What a run is told: what planRun is (its working folder defaulted), and how to show the results. */
export interface RunOptions extends Omit<PlanOptions, 'cwd' | 'onDiscovered'> {
  mode: Mode;
  /** Worker threads; default: one per core for large runs, none for small ones. */
  workers?: number;
  verbose?: boolean;
  color?: boolean;
  cwd?: string;
  /** Output format; every format but `diff` prints one report over all files at the end. */
  format?: FormatName;
  /** Reuse the results of an earlier run whose inputs are unchanged (default: the working folder's config says). */
  cache?: boolean;
  /** The cache file (default: defaultCacheLocation). */
  cacheLocation?: string;
  /** Where to write a pull request's title and body on what the run changed (--summary-file), besides the output. */
  summaryFile?: string;
}

interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const EXIT_OK = 0;
const EXIT_CHANGES = 1;
const EXIT_ERROR = 2;
/** The signals a --write run stops on cleanly; it then exits with 128 + the signal's number, as shells report it. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** A message on one output line: line breaks folded, control characters from the tree escaped. */
const oneLine = (message: string) => escapeUnsafe(message.replace(/\s*\n\s*/g, ' '));

type Problem = { file: string; message: string };

/** What a run has counted and printed so far, and what its report (any format but diff) collects. */
class RunOutput {
  readonly tally: Tally = { changed: 0, unchanged: 0, skipped: 0, notDockerfiles: 0, errors: 0, heldBack: 0, seconds: 0 };
  /** Collected for a report format, or for the summary file (then with no format: the output stays a diff). */
  readonly report: { format: ReportFormat | undefined; files: FileResult[]; errors: Problem[]; warnings: Problem[] } | undefined;
  /** Files of the tree named in a note: each once, however many files met it. */
  private readonly noted = new Set<string>();
  /** A context file (.dockerignore) that several Dockerfiles' changes write is shown once. */
  readonly shownContextFiles = new Set<string>();

  constructor(readonly options: RunOptions, public io: Streams, readonly cwd: string) {
    const format = options.format && options.format !== 'diff' ? options.format : undefined;
    this.report = format || options.summaryFile !== undefined ? { format, files: [], errors: [], warnings: [] } : undefined;
  }

  /** Every name printed goes through quoteName: a control character in it cannot start a line of its own. */
  rel(file: string): string {
    return quoteName(path.relative(this.cwd, path.resolve(this.cwd, file)) || file);
  }

  error(file: string, reason: string): void {
    this.report?.errors.push({ file, message: reason });
    this.io.stderr.write(`dockmod: ${this.rel(file)}: ${oneLine(reason)}\n`);
    this.tally.errors++;
  }

  /**
   * A file found by its name alone whose content is no Dockerfile (a template, a source file): no build uses it
   * as it is, so it is left alone and named, and is no error of the run. Named on the command line, it is one.
   */
  notDockerfile(file: string, reason: string): void {
    this.note(file, `found by its name, but not a Dockerfile: ${reason}; not processed`);
    this.tally.notDockerfiles++;
  }

  /** A file of the tree left alone for what it is (a link out, a folder). */
  note(file: string, message: string): void {
    if (this.noted.has(file)) return;
    this.noted.add(file);
    this.report?.warnings.push({ file, message });
    this.io.stderr.write(`dockmod: ${this.rel(file)}: ${oneLine(message)}\n`);
  }
}

/** Runs dockmod; returns the exit code (0 ok, 1 changes under --check, 2 errors; a file found by its name that is no Dockerfile is none). */
export async function run(options: RunOptions, io: Streams): Promise<number> {
  const started = performance.now();
  const out = new RunOutput(options, io, options.cwd ?? process.cwd());
  const planned = await plan(out);
  if (!planned) return EXIT_ERROR;
  reportPlan(planned.plan, out);
  // Temp files that a killed --write run left next to these Dockerfiles go before this one writes.
  if (options.mode === 'write') for (const job of planned.plan.jobs) if (job.text === undefined) removeStaleTempsNear(job.file);
  const progress = progressBar(planned.plan.jobs.length, io.stderr);
  out.io = { stdout: progress.guard(io.stdout), stderr: progress.guard(io.stderr) };
  const stop = options.mode === 'write' ? stopOnSignals() : undefined;
  const { cache } = planned;
  const foundByName = new Set(planned.plan.jobs.filter((job) => job.foundByName).map((job) => job.file));
  const compute = (jobs: FileJob[]) => processAll(jobs, { workers: options.workers, onDone: progress.tick, started: planned.aheadWorkers });
  try {
    for await (const outcome of cache ? withCache(planned.plan.jobs, cache, compute, progress.tick) : compute(planned.plan.jobs)) {
      // In-process, the jobs' promises are already settled: without a turn of the event loop, no signal is seen.
      if (stop) await new Promise((resolve) => setImmediate(resolve));
      if (stop?.signal) break;
      if ('error' in outcome) {
        const { file, message, notDockerfile } = outcome.error;
        if (notDockerfile !== undefined && foundByName.has(outcome.file)) out.notDockerfile(file, notDockerfile);
        else out.error(file, message);
      } else if (reportResult(outcome.result, out)) showChange(outcome.result, out);
    }
  } finally {
    stop?.release();
  }
  progress.clear();
  if (cache) saveCache(cache, out);
  if (out.report?.format) await printReport(out);
  if (options.summaryFile !== undefined) await writeSummary(options.summaryFile, out);
  out.tally.seconds = (performance.now() - started) / 1000;
  return finish(out, stop?.signal);
}

/**
 * The plan, with the pool's workers started as soon as the number of files is known, and the cache file when the
 * cache is on; undefined when it failed (said why).
 */
async function plan(out: RunOutput): Promise<{ plan: Plan; aheadWorkers: StartedWorker[]; cache: ResultCache | undefined } | undefined> {
  let aheadWorkers: StartedWorker[] = [];
  try {
    const cacheLocation = cacheLocationOf(out);
    // The pool's workers start loading the engine while the contexts and settings are still being read, unless
    // the cache may give the results: then the pool is started for the files it does not give.
    const startAhead = cacheLocation === undefined || !ResultCache.mayHoldResults(cacheLocation);
    const onDiscovered = (files: number) => startAhead && (aheadWorkers = startWorkers(workerCount(files, out.options.workers)));
    const cache = cacheLocation === undefined ? undefined : ResultCache.open(cacheLocation);
    const options = { ...out.options, cwd: out.cwd, onDiscovered };
    const plan = cache ? await cache.plan(options, () => planRun(options)) : await planRun(options);
    return { plan, aheadWorkers, cache };
  } catch (e) {
    await stopWorkers(aheadWorkers);
    out.io.stderr.write(`dockmod: ${oneLine((e as Error).message)}\n`);
    return undefined;
  }
}

/** The cache file when the cache is on (--cache, else the working folder's config); throws ConfigError. */
function cacheLocationOf(out: RunOutput): string | undefined {
  const { cache, cacheLocation } = out.options;
  if (cache === false) return undefined;
  const configured = new ConfigResolver().cacheSettings(out.cwd);
  if (!(cache ?? configured.cache)) return undefined;
  return cacheLocation === undefined ? (configured.cacheLocation ?? defaultCacheLocation(out.cwd)) : path.resolve(out.cwd, cacheLocation);
}

/** Writes the cache; a cache that cannot be written is said in one line and changes nothing else. */
function saveCache(cache: ResultCache, out: RunOutput): void {
  const failure = cache.save();
  if (failure !== undefined) out.io.stderr.write(`dockmod: ${out.rel(cache.location)}: cannot write the cache: ${oneLine(failure)}\n`);
  if (out.options.verbose) out.io.stderr.write(`dockmod: cache: ${cache.reused} of ${cache.looked} results reused, plan ${cache.planReused ? 'reused' : 'made'} (${out.rel(cache.location)})\n`);
}

function reportPlan(plan: Plan, out: RunOutput): void {
  for (const e of plan.errors) out.error(e.file, e.reason);
  if (out.options.verbose) for (const w of plan.warnings) out.io.stderr.write(`dockmod: ${oneLine(w)}\n`);
  for (const n of plan.notes) out.note(n.file, n.message);
}

/**
 * Counts one file's result and prints its notes (and under --verbose its skips, held-back and applied changes);
 * true when it changes something, for the run's mode to show.
 */
function reportResult(result: FileResult, out: RunOutput): boolean {
  const { options, tally, io } = out;
  out.report?.files.push(result);
  for (const r of result.refused) out.note(r.file, `${r.reason}; not read`);
  if (result.provenContext) out.note(result.file, provenContextMessage(result.provenContext, out.cwd));
  // From standard input, --write prints the whole new text, changed or not, as editors expect.
  if (result.stat === undefined && options.mode === 'write') io.stdout.write(result.after);
  tally.heldBack += result.heldBack.length;
  if (result.skips.length) tally.skipped++;
  const at = (line: number) => `${out.rel(result.file)}:${line}:`;
  if (options.verbose) {
    for (const s of result.skips) io.stderr.write(`${at(s.line)} skipped ${oneLine(`${s.transform}: ${s.reason}`)}\n`);
    for (const h of result.heldBack) io.stderr.write(`${at(h.line)} held back unsafe ${oneLine(`${h.transform}: ${h.message}`)}\n`);
  }
  if (!isChanged(result)) {
    tally.unchanged++;
    return false;
  }
  tally.changed++;
  if (options.verbose) for (const c of result.changes) io.stderr.write(`${at(c.line)} ${oneLine(`${c.transform}: ${c.message}`)}\n`);
  return true;
}

function showChange(result: FileResult, out: RunOutput): void {
  switch (out.options.mode) {
    case 'diff':
      if (!out.report?.format) showDiff(result, out);
      return;
    case 'write':
      writeResult(result, out);
      return;
    case 'check':
    case 'list-different':
      if (!out.report?.format) out.io.stdout.write(`${out.rel(result.file)}\n`);
  }
}

function showDiff(result: FileResult, out: RunOutput): void {
  const files = [{ file: result.file, before: result.before, after: result.after }, ...result.extra];
  const unseen = files.filter((f) => f.file === result.file || (!out.shownContextFiles.has(f.file) && out.shownContextFiles.add(f.file)));
  const diff = unseen.map((f) => unifiedDiff(f.file, f.before, f.after, out.cwd)).join('');
  out.io.stdout.write(out.options.color ? colorDiff(diff) : diff);
}

/**
 * Context files first: the rewritten Dockerfile may rely on them (a .dockerignore entry). Each file must still
 * hold what was read, or it is not overwritten; the first write that fails makes the file an error, not a change.
 */
function writeResult(result: FileResult, out: RunOutput): void {
  const writes = [
    ...result.extra.filter((e) => e.before !== e.after).map((e) => ({ file: e.file, context: e.context, text: e.after, expected: { text: e.before } })),
    ...(result.stat && result.after !== result.before ? [{ file: result.file, context: undefined, text: result.after, expected: { text: result.before, stat: result.stat } }] : []),
  ];
  for (const w of writes) {
    try {
      if (w.context === undefined) writeFileAtomic(w.file, w.text, w.expected);
      else writeContextFile(w.context, w.file, w.text, w.expected);
    } catch (e) {
      out.error(w.file, (e as Error).message);
      out.tally.changed--;
      return;
    }
  }
}

/**
 * SIGINT or SIGTERM during --write stops the run between two files (each write is atomic and synchronous, so none
 * is left half done and no temp file stays), and the summary says what was written.
 */
function stopOnSignals(): { readonly signal: NodeJS.Signals | undefined; release(): void } {
  let signal: NodeJS.Signals | undefined;
  const stop = (s: NodeJS.Signals) => (signal = s);
  for (const s of STOP_SIGNALS) process.on(s, stop);
  return {
    get signal() {
      return signal;
    },
    release: () => {
      for (const s of STOP_SIGNALS) process.off(s, stop);
    },
  };
}

/** What the report formats read: the results so far; under --write, what was written. */
async function reportInput(out: RunOutput): Promise<FormatInput> {
  const { dockmodVersion } = await import('../formats/index.js');
  const { files, errors, warnings } = out.report!;
  return { files, errors, warnings, cwd: out.cwd, version: dockmodVersion(), written: out.options.mode === 'write' };
}

async function printReport(out: RunOutput): Promise<void> {
  const { renderReport } = await import('../formats/index.js');
  out.io.stdout.write(renderReport(out.report!.format!, await reportInput(out)));
}

/** --summary-file: a file that cannot be written is an error (exit 2), as a Dockerfile that cannot be is. */
async function writeSummary(file: string, out: RunOutput): Promise<void> {
  const { formatPullRequest } = await import('../formats/markdown.js');
  const text = formatPullRequest(await reportInput(out));
  try {
    fs.writeFileSync(path.resolve(out.cwd, file), text);
  } catch (e) {
    out.error(file, `cannot write the summary file: ${(e as Error).message}`);
  }
}

/** The summary line (not for --list-different without errors) and the exit code. */
function finish(out: RunOutput, interrupted: NodeJS.Signals | undefined): number {
  const { mode } = out.options;
  const { tally } = out;
  if (mode !== 'list-different' || tally.errors) out.io.stderr.write(`${summaryLine(tally, mode === 'write', interrupted)}\n`);
  if (interrupted) return 128 + os.constants.signals[interrupted];
  if (tally.errors) return EXIT_ERROR;
  // Under --check and --list-different nothing is written, so every file counted changed is one that would change.
  if ((mode === 'check' || mode === 'list-different') && tally.changed) return EXIT_CHANGES;
  return EXIT_OK;
}
