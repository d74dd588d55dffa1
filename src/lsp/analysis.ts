// What dockmod makes of one open Dockerfile: the CLI's own per-file path, with the editor's unsaved text read as
// `dockmod - --stdin-filepath <file>` reads standard input (planRun for the build contexts, compose/bake files and
// config; processJob for the rest), so the result is the one `dockmod --write <file>` writes. A compose file is
// planned as `dockmod <compose file>` plans it (its inline Dockerfiles, each with its service's context), then
// read from the editor's text the same way. One change alone, for a quick fix, is the transform's own change on
// the current text.
import path from 'node:path';
import { planRun } from '../cli/plan.js';
import { processJob, type FileJob } from '../cli/jobs.js';
import { transformsWith } from '../cli/custom-transforms.js';
import { directoryContext } from '../contexts/context.js';
import { contextBuilders } from '../contexts/context-from-sources.js';
import { isBuildFileName } from '../contexts/file-names.js';
import { selectTransforms } from '../engine/engine.js';
import { applyPragmas } from '../engine/pragmas.js';
import { checkTransformResult } from '../engine/transform-result.js';
import type { AppliedChange, Edit, FileWrite } from '../engine/types.js';
import { parseDockerfile, type FileResult } from '../input/process.js';
import { textSource } from '../input/read.js';

/**
 * A Dockerfile (or a compose file's inline Dockerfiles: `inline`) dockmod read, with its result; one it leaves
 * alone, with why and the 1-based line it names; or a file with nothing for dockmod (a compose file that holds no
 * inline Dockerfile), with why, which is no diagnostic.
 */
export type Analysis = { result: FileResult; inline: boolean } | { refusal: string; line: number | undefined } | { nothing: string };

/** Thrown by the planner for a build file that holds no inline Dockerfile. */
class NothingToServe extends Error {}

/** The job for a file (its build contexts and settings), planned once until something it was planned from changes. */
export class JobPlanner {
  private readonly jobs = new Map<string, Promise<FileJob>>();

  constructor(private readonly log: (message: string) => void) {}

  /** `file` undefined: a document with no file (untitled), which has no build context; `cwd` finds its config. */
  job(file: string | undefined, cwd: string): Promise<FileJob> {
    const key = file ?? `\0${cwd}`;
    let job = this.jobs.get(key);
    if (!job) {
      job = this.plan(file, cwd);
      this.jobs.set(key, job);
      // A plan that failed (a broken config) is tried again next time: the user is likely fixing it.
      job.catch(() => this.jobs.delete(key));
    }
    return job;
  }

  forget(): void {
    this.jobs.clear();
  }

  private async plan(file: string | undefined, cwd: string): Promise<FileJob> {
    const buildFile = file !== undefined && isBuildFileName(path.basename(file));
    // A build file is read as one when it is named (as `dockmod compose.yaml` reads it): it must be on disk.
    const plan = await planRun(buildFile ? { paths: [file], cwd } : { paths: [], cwd, stdin: { text: '', filepath: file } });
    for (const note of [...plan.notes.map((n) => `${n.file}: ${n.message}`), ...plan.warnings]) this.log(note);
    if (buildFile) {
      const job = plan.jobs.find((j) => j.file === file && j.inline);
      if (!job) throw new NothingToServe(plan.errors[0]?.reason ?? 'no inline Dockerfile');
      return job;
    }
    const job = plan.jobs[0];
    if (!job) throw new Error(plan.errors[0]?.reason ?? 'no job planned');
    return job;
  }
}

/** The line an error message names (`... on line 4`), 1-based. */
const namedLine = (message: string): number | undefined => {
  const match = /\bline (\d+)\b/.exec(message);
  return match ? Number(match[1]) : undefined;
};

export async function analyze(planner: JobPlanner, file: string | undefined, cwd: string, text: string): Promise<Analysis> {
  let job: FileJob;
  try {
    job = await planner.job(file, cwd);
  } catch (error) {
    if (error instanceof NothingToServe) return { nothing: error.message };
    return { refusal: (error as Error).message, line: undefined };
  }
  const outcome = await processJob({ ...job, text });
  if ('error' in outcome) return { refusal: outcome.error.message, line: namedLine(outcome.error.message) };
  return { result: outcome.result, inline: job.inline !== undefined };
}

/** One change as its transform makes it on the current text: the edits (offsets in the text after any BOM) and the other files it writes. */
export interface SingleChange {
  edits: Edit[];
  /** Absolute paths, with the text they had and the text the change gives them. */
  files: { file: string; before: string | undefined; after: string }[];
  bom: string;
}

/**
 * `wanted` (a change or held-back change of the file's result) as its transform alone makes it on `text`, found by
 * its line and message. Undefined when the transform finds it only after other changes (a later pass), when the
 * file is built with several contexts, or for a compose file's inline Dockerfile (its text is the YAML scalar's,
 * written back in the scalar's style): then only the fix of the whole file makes it.
 */
export async function singleChange(job: FileJob, text: string, wanted: AppliedChange): Promise<SingleChange | undefined> {
  const contexts = job.contexts ?? [path.dirname(job.file)];
  if (contexts.length > 1 || job.inline) return undefined;
  const contextDir = contexts[0];
  const all = await transformsWith(job.transforms, job.transformTimeoutMs);
  const transform = selectTransforms(all, job.only, job.skip).find((t) => t.id === wanted.transform);
  if (!transform) return undefined;
  const { doc, bom } = parseDockerfile(textSource(job.file, text));
  const context = contextDir === undefined ? undefined : directoryContext(contextDir, job.file, contextBuilders(contextDir, job.builtWith?.[contextDir] ?? [], job.runFolder, job.contextGiven));
  try {
    // As the engine calls a transform (src/engine/engine.ts), on the text as it is.
    const result = applyPragmas(doc, transform.id, checkTransformResult(transform.apply(doc, { context }), doc.text.length, doc.lineStarts.length));
    const change = result.changes.find((c) => c.line + 1 === wanted.line && c.message === wanted.message);
    if (!change) return undefined;
    const files = (change.files ?? []).map((f: FileWrite) => ({ file: path.join(contextDir!, f.path), before: context!.readFile(f.path), after: f.text }));
    return { edits: change.edits, files: files.filter((f) => f.before !== f.after), bom };
  } catch {
    // A transform that throws here threw in the whole run too, which then reported it: no fix to offer.
    return undefined;
  } finally {
    doc.freeScripts();
  }
}
