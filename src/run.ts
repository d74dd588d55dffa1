// One dockmod run over many files: discovery, per-file processing, output, writes and the exit code.
import path from 'node:path';
import { discover } from './discover.js';
import { InputError, processFile, type FileResult } from './files.js';
import { colorDiff, summaryLine, unifiedDiff, type Tally } from './output.js';
import { writeFileAtomic } from './write.js';
import { selectTransforms } from './engine.js';
import { builtinTransforms } from '../transforms/index.js';

export type Mode = 'diff' | 'write' | 'check' | 'list-different';

export interface RunOptions {
  paths: string[];
  mode: Mode;
  only?: string[];
  skip?: string[];
  unsafe?: boolean;
  contextDir?: string;
  verbose?: boolean;
  color?: boolean;
  cwd?: string;
}

interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const EXIT_OK = 0;
export const EXIT_CHANGES = 1;
export const EXIT_ERROR = 2;

const changed = (r: FileResult) => r.after !== r.before || r.extra.some((e) => e.before !== e.after);

/** Runs dockmod; returns the exit code (0 ok, 1 changes under --check, 2 errors). */
export async function run(options: RunOptions, io: Streams): Promise<number> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const rel = (f: string) => path.relative(cwd, path.resolve(cwd, f)) || f;
  const error = (file: string, reason: string) => io.stderr.write(`dockmod: ${rel(file)}: ${reason}\n`);
  try {
    selectTransforms(builtinTransforms, options.only, options.skip);
  } catch (e) {
    io.stderr.write(`dockmod: ${(e as Error).message}\n`);
    return EXIT_ERROR;
  }
  const tally: Tally = { changed: 0, unchanged: 0, skipped: 0, errors: 0, heldBack: 0, seconds: 0 };
  const found = discover(options.paths.map((p) => path.resolve(cwd, p)));
  for (const e of found.errors) {
    error(e.file, e.reason);
    tally.errors++;
  }
  const pendingChanges: string[] = [];
  for (const file of found.files) {
    let result: FileResult;
    try {
      result = processFile(file, {
        only: options.only,
        skip: options.skip,
        unsafe: options.unsafe,
        contextDir: options.contextDir ? path.resolve(cwd, options.contextDir) : undefined,
      });
    } catch (e) {
      error(e instanceof InputError ? e.file : file, (e as Error).message);
      tally.errors++;
      continue;
    }
    tally.heldBack += result.heldBack.length;
    if (result.skips.length) tally.skipped++;
    if (options.verbose) {
      for (const s of result.skips) io.stderr.write(`${rel(file)}:${s.line}: skipped ${s.transform}: ${s.reason}\n`);
      for (const h of result.heldBack) io.stderr.write(`${rel(file)}:${h.line}: held back unsafe ${h.transform}: ${h.message}\n`);
    }
    if (!changed(result)) {
      tally.unchanged++;
      continue;
    }
    tally.changed++;
    if (options.verbose) for (const c of result.changes) io.stderr.write(`${rel(file)}:${c.line}: ${c.transform}: ${c.message}\n`);
    const files = [{ file, before: result.before, after: result.after }, ...result.extra];
    switch (options.mode) {
      case 'diff': {
        const diff = files.map((f) => unifiedDiff(f.file, f.before, f.after, cwd)).join('');
        io.stdout.write(options.color ? colorDiff(diff) : diff);
        break;
      }
      case 'write':
        try {
          writeFileAtomic(file, result.after, { text: result.before, stat: result.stat });
          for (const e of result.extra) if (e.before !== e.after) writeFileAtomic(e.file, e.after);
        } catch (e) {
          error(file, (e as Error).message);
          tally.changed--;
          tally.errors++;
        }
        break;
      case 'check':
      case 'list-different':
        pendingChanges.push(rel(file));
        io.stdout.write(`${rel(file)}\n`);
        break;
    }
  }
  tally.seconds = (performance.now() - started) / 1000;
  if (options.mode !== 'list-different' || tally.errors) io.stderr.write(`${summaryLine(tally, options.mode === 'write')}\n`);
  if (tally.errors) return EXIT_ERROR;
  if ((options.mode === 'check' || options.mode === 'list-different') && pendingChanges.length) return EXIT_CHANGES;
  return EXIT_OK;
}
