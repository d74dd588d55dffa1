// The work for one Dockerfile, as the CLI hands it to the engine in-process or to a worker thread: its build
// contexts and settings in, a structured-clonable outcome out.
import path from 'node:path';
import { optimizeParsed, parseDockerfile, type FileResult, type ProcessOptions } from '../input/process.js';
import { InputError, readDockerfile, textSource, type DockerfileSource } from '../input/read.js';
import { NotDockerfileError } from '../input/validate.js';
import { digest, ReadLog, type ReadRecord } from '../contexts/reads.js';
import { anyCustomTimedOut, transformsWith } from './custom-transforms.js';
import type { InlineBuild } from '../contexts/compose.js';
import { contextBuilders, contextFromSources } from '../contexts/context-from-sources.js';
import type { ContextBuilders } from '../contexts/context.js';

export interface FileJob {
  file: string;
  /** Build context folders; undefined: the Dockerfile's own folder; none: no context (standard input without a path). Several: each must give the same rewrite. */
  contexts?: string[];
  /** Where dockmod runs: with contexts undefined, a context the Dockerfile's sources prove is looked for up to here. */
  runFolder?: string;
  /** Context folder → the Dockerfiles build files build with it (with the others it holds, those sharing its ignore file are among them). */
  builtWith?: Record<string, string[]>;
  /** The contexts are --context's, which builds every Dockerfile with it. */
  contextGiven?: boolean;
  only?: string[];
  skip?: string[];
  unsafe?: boolean;
  /** Absolute paths of custom transform modules. */
  transforms: string[];
  /** How long one call of a custom transform may take (default: DEFAULT_TRANSFORM_TIMEOUT_MS). */
  transformTimeoutMs?: number;
  /** The Dockerfile's text when it does not come from disk (standard input). */
  text?: string;
  /** The file is a compose or bake file: these are the inline Dockerfiles it holds, each with its context (src/input/inline.ts). */
  inline?: InlineBuild[];
  /**
   * Found by its name alone: by a folder search or a glob, not named on the command line, and built by no compose,
   * bake or workflow file. Content that is no Dockerfile is then no error of the run (src/cli/run.ts).
   */
  foundByName?: boolean;
  /** Say what the result was made of, for the results cache (`reads` in the outcome). */
  recordReads?: boolean;
}

/** What a result was made of: a digest of the Dockerfile's bytes, and what its build contexts read from disk. */
export interface JobReads {
  source: string;
  records: ReadRecord[];
}

/**
 * `reads`: when the job asked for them and the result is one the same inputs give again. `notDockerfile`: the
 * error is that the content is no Dockerfile at all (NotDockerfileError), and why.
 */
export type JobOutcome = { file: string; result: FileResult; reads?: JobReads } | { file: string; error: { file: string; message: string; notDockerfile?: string } };

/** Runs one job; never throws: a problem with the file is an outcome. */
export async function processJob(job: FileJob): Promise<JobOutcome> {
  try {
    const log = job.recordReads ? new ReadLog() : undefined;
    const transforms = await transformsWith(job.transforms, job.transformTimeoutMs);
    const source = job.text === undefined ? readDockerfile(job.file) : textSource(job.file, job.text);
    const options: ProcessOptions = { only: job.only, skip: job.skip, unsafe: job.unsafe, transforms, disk: log?.disk };
    const buildersOf = (contextDir: string) => contextBuilders(contextDir, job.builtWith?.[contextDir] ?? [], job.runFolder, job.contextGiven, options.disk);
    const result = job.inline ? await (await import('../input/inline.js')).optimizeInline(source, job.inline, options, buildersOf) : optimizeJob(job, source, options, buildersOf);
    // A custom transform stopped for its time gives a different result on the next run: such a result is not kept.
    const repeatable = !job.transforms.length || !anyCustomTimedOut();
    return { file: job.file, result, ...(log && repeatable && { reads: { source: digest(source.bytes), records: log.records() } }) };
  } catch (error) {
    const notDockerfile = error instanceof NotDockerfileError ? { notDockerfile: error.reason } : {};
    return { file: job.file, error: { file: error instanceof InputError ? error.file : job.file, message: (error as Error).message, ...notDockerfile } };
  }
}

function optimizeJob(job: FileJob, source: DockerfileSource, options: ProcessOptions, buildersOf: (contextDir: string) => ContextBuilders): FileResult {
  const parsed = parseDockerfile(source);
  const proven = job.contexts === undefined && job.runFolder !== undefined ? contextFromSources(parsed.doc, job.file, job.runFolder, options.disk) : null;
  const contexts = job.contexts ?? [proven?.dir ?? path.dirname(job.file)];
  const once = (contextDir: string | undefined): FileResult =>
    optimizeParsed(parsed, contextDir, { ...options, builtWith: contextDir === undefined ? undefined : buildersOf(contextDir) }).result;
  if (proven) return { ...once(proven.dir), provenContext: { dir: proven.dir, missing: proven.missing } };
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
