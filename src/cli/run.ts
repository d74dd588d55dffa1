// One dockmod run over many files: discovery, per-file processing, output, writes and the exit code.
import os from 'node:os';
import path from 'node:path';
import type { FileResult } from '../input/process.js';
import { planRun, type Plan } from './plan.js';
import { processAll, startWorkers, stopWorkers, workerCount, type StartedWorker } from './pool.js';
import { progressBar } from './progress.js';
import { colorDiff, summaryLine, unifiedDiff, type Tally } from '../formats/output.js';
import { removeStaleTempsNear, writeContextFile, writeFileAtomic } from './write.js';
import { escapeUnsafe, quoteName } from '../engine/escape.js';
import type { FormatName } from '../formats/index.js';

export type Mode = 'diff' | 'write' | 'check' | 'list-different';

export interface RunOptions {
  paths: string[];
  mode: Mode;
  only?: string[];
  skip?: string[];
  unsafe?: boolean;
  contextDir?: string;
  /** Custom transform modules (paths relative to cwd, or package names). */
  transformModules?: string[];
  /** How long one call of a custom transform may take (default 10 s). */
  transformTimeoutMs?: number;
  /** Respect .gitignore when searching folders (default true). */
  gitignore?: boolean;
  /** One Dockerfile from standard input instead of paths; `filepath` names it for its context and config. */
  stdin?: { text: string; filepath?: string };
  /** Worker threads; default: one per core for large runs, none for small ones. */
  workers?: number;
  verbose?: boolean;
  color?: boolean;
  cwd?: string;
  /** Output format; every format but `diff` prints one report over all files at the end. */
  format?: FormatName;
}

interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const EXIT_OK = 0;
export const EXIT_CHANGES = 1;
export const EXIT_ERROR = 2;
/** The signals a --write run stops on cleanly; it then exits with 128 + the signal's number, as shells report it. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

const changed = (r: Pick<FileResult, 'before' | 'after' | 'extra'>) => r.after !== r.before || r.extra.some((e) => e.before !== e.after);

/** A message on one output line: line breaks folded, control characters from the tree escaped. */
const oneLine = (message: string) => escapeUnsafe(message.replace(/\s*\n\s*/g, ' '));

/** Runs dockmod; returns the exit code (0 ok, 1 changes under --check, 2 errors). */
export async function run(options: RunOptions, io: Streams): Promise<number> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  // Every name printed goes through quoteName: a control character in it cannot start a line of its own.
  const rel = (f: string) => quoteName(path.relative(cwd, path.resolve(cwd, f)) || f);
  const report = options.format && options.format !== 'diff' ? { format: options.format, files: [] as FileResult[], errors: [] as { file: string; message: string }[], warnings: [] as { file: string; message: string }[] } : undefined;
  const error = (file: string, reason: string) => {
    report?.errors.push({ file, message: reason });
    io.stderr.write(`dockmod: ${rel(file)}: ${oneLine(reason)}\n`);
  };
  let plan: Plan;
  // The pool's workers start loading the engine while the contexts and settings are still being read.
  let aheadWorkers: StartedWorker[] = [];
  try {
    plan = await planRun({ ...options, cwd, onDiscovered: (files) => (aheadWorkers = startWorkers(workerCount(files, options.workers))) });
  } catch (e) {
    await stopWorkers(aheadWorkers);
    io.stderr.write(`dockmod: ${oneLine((e as Error).message)}\n`);
    return EXIT_ERROR;
  }
  const tally: Tally = { changed: 0, unchanged: 0, skipped: 0, errors: 0, heldBack: 0, seconds: 0 };
  for (const e of plan.errors) {
    error(e.file, e.reason);
    tally.errors++;
  }
  if (options.verbose) for (const w of plan.warnings) io.stderr.write(`dockmod: ${oneLine(w)}\n`);
  // A file of the tree left alone for what it is (a link out, a folder) is named once, however many files met it.
  const noted = new Set<string>();
  const note = (file: string, message: string) => {
    if (noted.has(file)) return;
    noted.add(file);
    report?.warnings.push({ file, message });
    io.stderr.write(`dockmod: ${rel(file)}: ${oneLine(message)}\n`);
  };
  for (const n of plan.notes) note(n.file, n.message);
  // Temp files that a killed --write run left next to these Dockerfiles go before this one writes.
  if (options.mode === 'write') for (const job of plan.jobs) if (job.text === undefined) removeStaleTempsNear(job.file);
  const progress = progressBar(plan.jobs.length, io.stderr);
  io = { stdout: progress.guard(io.stdout), stderr: progress.guard(io.stderr) };
  const pendingChanges: string[] = [];
  // A context file (.dockerignore) that several Dockerfiles' changes write is shown once.
  const shownContextFiles = new Set<string>();
  // SIGINT or SIGTERM during --write stops the run between two files (each write is atomic and synchronous, so none
  // is left half done and no temp file stays), and the summary says what was written.
  let interrupted: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => (interrupted = signal);
  if (options.mode === 'write') for (const signal of STOP_SIGNALS) process.on(signal, stop);
  try {
    for await (const outcome of processAll(plan.jobs, { workers: options.workers, onDone: progress.tick, started: aheadWorkers })) {
      // In-process, the jobs' promises are already settled: without a turn of the event loop, no signal is seen.
      if (options.mode === 'write') await new Promise((resolve) => setImmediate(resolve));
      if (interrupted) break;
      const file = outcome.file;
      if ('error' in outcome) {
        error(outcome.error.file, outcome.error.message);
        tally.errors++;
        continue;
      }
      const result = outcome.result;
      report?.files.push(result);
      for (const r of result.refused) note(r.file, `${r.reason}; not read`);
      // From standard input, --write prints the whole new text, changed or not, as editors expect.
      const fromStdin = result.stat === undefined;
      if (fromStdin && options.mode === 'write') io.stdout.write(result.after);
      tally.heldBack += result.heldBack.length;
      if (result.skips.length) tally.skipped++;
      if (options.verbose) {
        for (const s of result.skips) io.stderr.write(`${rel(file)}:${s.line}: skipped ${oneLine(`${s.transform}: ${s.reason}`)}\n`);
        for (const h of result.heldBack) io.stderr.write(`${rel(file)}:${h.line}: held back unsafe ${oneLine(`${h.transform}: ${h.message}`)}\n`);
      }
      if (!changed(result)) {
        tally.unchanged++;
        continue;
      }
      tally.changed++;
      if (options.verbose) for (const c of result.changes) io.stderr.write(`${rel(file)}:${c.line}: ${oneLine(`${c.transform}: ${c.message}`)}\n`);
      const files = [{ file, before: result.before, after: result.after }, ...result.extra];
      switch (options.mode) {
        case 'diff': {
          if (report) break;
          const unseen = files.filter((f) => f.file === file || (!shownContextFiles.has(f.file) && shownContextFiles.add(f.file)));
          const diff = unseen.map((f) => unifiedDiff(f.file, f.before, f.after, cwd)).join('');
          io.stdout.write(options.color ? colorDiff(diff) : diff);
          break;
        }
        case 'write': {
          // Context files first: the rewritten Dockerfile may rely on them (a .dockerignore entry). Each file must
          // still hold what was read, or it is not overwritten.
          const writes = [
            ...result.extra.filter((e) => e.before !== e.after).map((e) => ({ file: e.file, context: e.context, text: e.after, expected: { text: e.before } })),
            ...(result.stat && result.after !== result.before ? [{ file, context: undefined, text: result.after, expected: { text: result.before, stat: result.stat } }] : []),
          ];
          for (const w of writes) {
            try {
              if (w.context === undefined) writeFileAtomic(w.file, w.text, w.expected);
              else writeContextFile(w.context, w.file, w.text, w.expected);
            } catch (e) {
              error(w.file, (e as Error).message);
              tally.changed--;
              tally.errors++;
              break;
            }
          }
          break;
        }
        case 'check':
        case 'list-different':
          pendingChanges.push(rel(file));
          if (!report) io.stdout.write(`${rel(file)}\n`);
          break;
      }
    }
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
  }
  progress.clear();
  if (report) {
    const { dockmodVersion, renderReport } = await import('../formats/index.js');
    io.stdout.write(renderReport(report.format, { files: report.files, errors: report.errors, warnings: report.warnings, cwd, version: dockmodVersion() }));
  }
  tally.seconds = (performance.now() - started) / 1000;
  if (options.mode !== 'list-different' || tally.errors) io.stderr.write(`${summaryLine(tally, options.mode === 'write', interrupted)}\n`);
  if (interrupted) return 128 + os.constants.signals[interrupted];
  if (tally.errors) return EXIT_ERROR;
  if ((options.mode === 'check' || options.mode === 'list-different') && pendingChanges.length) return EXIT_CHANGES;
  return EXIT_OK;
}
