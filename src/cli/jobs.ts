// The work for one Dockerfile, as the CLI hands it to the engine in-process or to a worker thread: its build
// contexts and settings in, a structured-clonable outcome out.
import path from 'node:path';
import { InputError, parseDockerfile, processFile, type FileResult } from './files.js';
import { directoryContext } from '../contexts/context.js';
import { optimizeDocument } from '../engine/engine.js';
import { transformsWith } from './custom-transforms.js';
import type { OptimizeOptions } from '../engine/types.js';

export interface FileJob {
  file: string;
  /** Build context folders; undefined: the Dockerfile's own folder. Several: each must give the same rewrite. */
  contexts?: string[];
  /** Context folder → every Dockerfile known to be built with it (those sharing its ignore file are among them). */
  builtWith?: Record<string, string[]>;
  only?: string[];
  skip?: string[];
  unsafe?: boolean;
  /** Absolute paths of custom transform modules. */
  transforms: string[];
  /** How long one call of a custom transform may take (default: DEFAULT_TRANSFORM_TIMEOUT_MS). */
  transformTimeoutMs?: number;
  /** The Dockerfile's text when it does not come from disk (standard input). */
  text?: string;
}

/** A FileResult that can cross a thread boundary: the stat keeps only what the write check needs. */
export interface JobResult extends Omit<FileResult, 'stat'> {
  stat: { mtimeMs: number; size: number } | undefined;
}

export type JobOutcome = { file: string; result: JobResult } | { file: string; error: { file: string; message: string } };

/** Runs one job; never throws: a problem with the file is an outcome. */
export async function processJob(job: FileJob): Promise<JobOutcome> {
  try {
    return { file: job.file, result: await optimizeJob(job) };
  } catch (error) {
    return { file: job.file, error: { file: error instanceof InputError ? error.file : job.file, message: (error as Error).message } };
  }
}

async function optimizeJob(job: FileJob): Promise<JobResult> {
  const transforms = await transformsWith(job.transforms, job.transformTimeoutMs);
  const options = { only: job.only, skip: job.skip, unsafe: job.unsafe, transforms };
  const contexts = job.contexts ?? [path.dirname(job.file)];
  const once = (contextDir: string | undefined): JobResult => {
    const builtWith = contextDir === undefined ? undefined : job.builtWith?.[contextDir];
    if (job.text !== undefined) return optimizeText(job.file, job.text, contextDir, options, builtWith);
    const { stat, ...rest } = processFile(job.file, { ...options, contextDir, builtWith });
    return { ...rest, stat: { mtimeMs: stat.mtimeMs, size: stat.size } };
  };
  if (contexts.length <= 1) return once(contexts[0]);
  const results = contexts.map(once);
  const first = results[0]!;
  if (results.some((r) => r.after !== first.after)) {
    throw new InputError(job.file, `built with ${results.length} contexts (${contexts.join(', ')}) that call for different rewrites; run it alone with --context to pick one`);
  }
  // The same Dockerfile rewrite suits every context; each context gets its own files (.dockerignore).
  const extra = new Map(results.flatMap((r) => r.extra).map((e) => [e.file, e]));
  return { ...first, extra: [...extra.values()].sort((a, b) => a.file.localeCompare(b.file)), refused: results.flatMap((r) => r.refused) };
}

/** A Dockerfile that does not come from disk (standard input); no context folder: transforms that need one skip. */
function optimizeText(file: string, text: string, contextDir: string | undefined, options: OptimizeOptions, builtWith: string[] | undefined): JobResult {
  const { text: before, bom, doc } = parseDockerfile(file, Buffer.from(text, 'utf8'));
  const context = contextDir === undefined ? undefined : directoryContext(contextDir, file, builtWith);
  const r = optimizeDocument(doc, { ...options, context }, bom);
  const extra = r.files.map((f) => ({ file: path.join(contextDir!, f.path), context: contextDir!, before: context!.readFile(f.path), after: f.text }));
  const refused = (context?.refused() ?? []).map((f) => ({ file: path.join(contextDir!, f.file), reason: f.reason }));
  return { file, before, after: r.text, extra, changes: r.changes, skips: r.skips, heldBack: r.heldBack, refused, stat: undefined };
}
