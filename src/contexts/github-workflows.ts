// Build contexts named by GitHub Actions workflows (`.github/workflows/*.yml` at a repository's root): the steps
// that use docker/build-push-action, with their `context` (default the repository root) and `file` (default
// `<context>/Dockerfile`), both relative to the repository root, where the runner checks it out. A job's matrix is
// expanded where the values are written in the file (a computed one leaves out only the steps that use it); any
// other expression leaves the step out, with a note.
import path from 'node:path';
import { isRemoteContext, type BuildEntry, type BuildFileReading } from './compose.js';
import { YAML_MAX_ALIAS_COUNT } from './yaml-limits.js';
import { isRecord } from '../engine/is-record.js';

/** A workflow file by its path: in `.github/workflows/` of a repository. */
export const isWorkflowFile = (file: string): boolean => /[\\/]\.github[\\/]workflows[\\/][^\\/]+\.ya?ml$/.test(file);

/** Where a repository root holds its workflows. */
export const WORKFLOWS_FOLDER = path.join('.github', 'workflows');

type Combination = Record<string, unknown>;

/**
 * A job's matrix as the combinations GitHub runs (docs.github.com, "Running variations of jobs in a workflow"):
 * every combination of the listed values, less those `exclude` matches; then each `include` entry extends the
 * combinations whose original values it matches, or is a combination of its own. Null when the matrix is not
 * written out (`${{ fromJSON(...) }}`).
 */
function matrixCombinations(matrix: unknown): Combination[] | null {
  if (matrix === undefined) return [{}];
  if (!isRecord(matrix)) return null;
  const { include, exclude, ...axes } = matrix;
  if (Object.values(axes).some((values) => !Array.isArray(values))) return null;
  let combinations: Combination[] = [{}];
  for (const [key, values] of Object.entries(axes)) combinations = combinations.flatMap((c) => (values as unknown[]).map((v) => ({ ...c, [key]: v })));
  if (Object.keys(axes).length === 0) combinations = [];
  const matches = (c: Combination, filter: Combination) => Object.entries(filter).every(([k, v]) => JSON.stringify(c[k]) === JSON.stringify(v));
  if (exclude !== undefined) {
    if (!Array.isArray(exclude) || !exclude.every(isRecord)) return null;
    combinations = combinations.filter((c) => !exclude.some((e) => matches(c, e)));
  }
  if (include !== undefined) {
    if (!Array.isArray(include) || !include.every(isRecord)) return null;
    const original = combinations.map((c) => ({ ...c }));
    for (const entry of include) {
      const onAxes = Object.fromEntries(Object.entries(entry).filter(([k]) => k in axes));
      const extended = original.map((c, k) => (matches(c, onAxes) ? k : -1)).filter((k) => k >= 0);
      if (extended.length && Object.keys(onAxes).length < Object.keys(entry).length) for (const k of extended) Object.assign(combinations[k]!, entry);
      else if (!extended.length) combinations.push({ ...entry });
    }
  }
  return combinations.length ? combinations : [{}];
}

/** `text` with `${{ matrix.a.b }}` put in from the combination; null when it holds any other expression. */
function substitute(text: string, combination: Combination): string | null {
  let unknown = false;
  const out = text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    const name = /^matrix((?:\.[A-Za-z_][\w-]*)+)$/.exec(expression)?.[1];
    let value: unknown = combination;
    for (const key of name ? name.slice(1).split('.') : []) value = isRecord(value) ? value[key] : undefined;
    if (!name || (typeof value !== 'string' && typeof value !== 'number')) {
      unknown = true;
      return '';
    }
    return String(value);
  });
  return unknown ? null : out;
}

/** Reads the docker/build-push-action builds of a workflow's text (YAML). Throws when it is not YAML. */
export async function workflowBuilds(file: string, text: string): Promise<BuildFileReading> {
  // Most workflows build no image: no YAML parser is loaded, and nothing parsed, for them.
  if (!text.includes('docker/build-push-action')) return { builds: [], notes: [], inline: [] };
  const { parse } = await import('yaml');
  const doc: unknown = parse(text, { maxAliasCount: YAML_MAX_ALIAS_COUNT });
  const builds: BuildEntry[] = [];
  const notes: string[] = [];
  const root = path.dirname(path.dirname(path.dirname(path.resolve(file))));
  const name = path.basename(file);
  const jobs = isRecord(doc) && isRecord(doc.jobs) ? doc.jobs : {};
  for (const [jobId, job] of Object.entries(jobs)) {
    if (!isRecord(job) || !Array.isArray(job.steps)) continue;
    const steps = job.steps.filter((s): s is Record<string, unknown> => isRecord(s) && typeof s.uses === 'string' && /^docker\/build-push-action@/.test(s.uses));
    if (!steps.length) continue;
    const written = matrixCombinations(isRecord(job.strategy) ? job.strategy.matrix : undefined);
    const origin = `${WORKFLOWS_FOLDER}/${name}: job ${jobId}`;
    for (const step of steps) {
      const given = isRecord(step.with) ? step.with : {};
      const context = typeof given.context === 'string' ? given.context : '.';
      // A matrix computed at run time matters only to a step whose context or file name it.
      const usesMatrix = [given.context, given.file].some((v) => typeof v === 'string' && /\$\{\{[^}]*\bmatrix\./.test(v));
      const combinations = written ?? (usesMatrix ? null : [{}]);
      if (!combinations) {
        notes.push(`${name}: job ${jobId}: its matrix is not written out, so the builds its context or file name from it are not known`);
        continue;
      }
      for (const combination of combinations) {
        const contextDir = substitute(context, combination);
        const dockerfile = substitute(typeof given.file === 'string' ? given.file : path.posix.join(context, 'Dockerfile'), combination);
        if (contextDir === null || dockerfile === null) {
          notes.push(`${name}: job ${jobId}: context or file uses an expression other than the job's matrix`);
          break;
        }
        if (isRemoteContext(contextDir)) {
          notes.push(`${name}: job ${jobId}: context ${contextDir} is not a local folder`);
          continue;
        }
        const entry = { dockerfile: path.resolve(root, dockerfile), context: path.resolve(root, contextDir), origin };
        if (!builds.some((b) => b.dockerfile === entry.dockerfile && b.context === entry.context)) builds.push(entry);
      }
    }
  }
  return { builds, notes, inline: [] };
}
