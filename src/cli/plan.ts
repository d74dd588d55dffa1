// Turning what the user named into per-file jobs: discovery, each Dockerfile's build contexts (compose and bake
// files, or --context) and its settings (the nearest config, then the command line).
import path from 'node:path';
import { discover } from './discover.js';
import { dockerfilesNamedWith, inlineBuildsIn, resolveContexts, type ContextResolution } from '../contexts/build-contexts.js';
import { ConfigError, ConfigResolver, resolveModule } from './config.js';
import { hasUnsafeCharacter, quoteName } from '../engine/escape.js';
import type { FileJob } from './jobs.js';
import type { RefusedFile } from '../contexts/tree-files.js';
import { parseDockerfile, type DockerfileSetup } from '../input/process.js';
import { InputError, readDockerfile } from '../input/read.js';
import { contextBuilders, contextFromSources, provenContextMessage, type SourcesContext } from '../contexts/context-from-sources.js';

export interface PlanOptions {
  paths: string[];
  cwd: string;
  only?: string[];
  skip?: string[];
  unsafe?: boolean;
  /** Overrides every Dockerfile's build context. */
  contextDir?: string;
  /** Custom transform modules named on the command line (relative to cwd). */
  transformModules?: string[];
  /** How long one call of a custom transform may take. */
  transformTimeoutMs?: number;
  /** Respect .gitignore during discovery (default true). */
  gitignore?: boolean;
  /** One Dockerfile from standard input; `filepath` names it for its context and settings. */
  stdin?: { text: string; filepath?: string };
  /** One Dockerfile named as such (explain, verify): read from disk, never searched for, whatever its name. */
  dockerfile?: string;
  /** Told how many Dockerfiles were found as soon as they are, before their contexts and settings are read. */
  onDiscovered?: (files: number) => void;
}

export interface Plan {
  jobs: FileJob[];
  /** Named paths that do not exist, globs that match nothing. */
  errors: { file: string; reason: string }[];
  /** Build files that could not be read, builds left out. */
  warnings: string[];
  /** Files of the tree left alone because of what they are (a link out of it, a folder), with the line that says so. */
  notes: { file: string; message: string }[];
}

const notRead = (refused: RefusedFile[]) => refused.map((r) => ({ file: r.file, message: `${r.reason}; not read` }));

/** The name a Dockerfile from standard input goes by when no --stdin-filepath is given. */
export const STDIN_NAME = '<stdin>';

/** Throws ConfigError for an invalid config, Error for an unknown transform id or a broken transform module. */
export async function planRun(options: PlanOptions): Promise<Plan> {
  const { cwd } = options;
  const contextDir = options.contextDir === undefined ? undefined : path.resolve(cwd, options.contextDir);
  const cliModules = (options.transformModules ?? []).map((m) => {
    try {
      return resolveModule(m, cwd);
    } catch {
      throw new Error(`cannot find transform module '${m}'`);
    }
  });
  const configs = new ConfigResolver();
  const builtWithCache = new Map<string, string[]>();
  // Who else applies an ignore file a rewrite may edit: every Dockerfile built with each of the job's contexts.
  const builtWith = (file: string, contexts: string[] | undefined, resolution: ContextResolution | undefined): Record<string, string[]> =>
    Object.fromEntries(
      (contexts ?? [path.dirname(file)]).map((dir) => {
        if (!builtWithCache.has(dir)) builtWithCache.set(dir, dockerfilesNamedWith(dir, resolution));
        return [dir, builtWithCache.get(dir)!];
      }),
    );
  const jobFor = (file: string, contexts: string[] | undefined, resolution?: ContextResolution): FileJob => {
    const settings = configs.settingsFor(file);
    const only = options.only;
    const skip = [...new Set([...(options.skip ?? []), ...settings.off])].filter((id) => !only?.includes(id));
    const transforms = [...new Set([...cliModules, ...settings.transforms])];
    return { file, contexts, ...(contextDir && { contextGiven: true }), runFolder: cwd, builtWith: builtWith(file, contexts, resolution), only, skip: skip.length ? skip : undefined, unsafe: Boolean(options.unsafe || settings.unsafe), transforms, transformTimeoutMs: options.transformTimeoutMs };
  };

  let plan: Plan;
  const single = options.stdin ? { named: options.stdin.filepath, text: options.stdin.text } : options.dockerfile === undefined ? undefined : { named: options.dockerfile };
  if (single) {
    const { named } = single;
    const file = path.resolve(cwd, named ?? STDIN_NAME);
    const resolution = !contextDir && named ? await resolveContexts([file], []) : undefined;
    const contexts = contextDir ? [contextDir] : named ? resolution!.contexts.get(file) : [];
    plan = { jobs: [{ ...jobFor(file, contexts, resolution), text: single.text }], errors: [], warnings: [], notes: notRead(resolution?.refused ?? []) };
  } else {
    const found = await discover(options.paths, { cwd, gitignore: options.gitignore });
    options.onDiscovered?.(found.files.length);
    const resolution = contextDir ? undefined : await resolveContexts(found.files, found.buildFiles);
    const named = new Set(found.named);
    const jobs = found.files.map((file) => {
      const built = resolution?.contexts.get(file);
      return { ...jobFor(file, contextDir ? [contextDir] : built, resolution), ...(!named.has(file) && !built && { foundByName: true }) };
    });
    // Compose and bake files found (not those above) that hold inline Dockerfiles are rewritten too.
    for (const [file, builds] of await inlineBuildsIn(found.buildFiles)) {
      const inline = contextDir ? builds.map((b) => ({ key: b.key, origin: b.origin, inheritedFrom: b.inheritedFrom, context: contextDir })) : builds;
      const contexts = [...new Set(inline.flatMap((b) => (b.context === undefined ? [] : [b.context])))].sort();
      jobs.push({ ...jobFor(file, contexts, resolution), inline });
    }
    jobs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    plan = { jobs, errors: found.errors, warnings: resolution?.warnings ?? [], notes: [...found.notes, ...notRead(resolution?.refused ?? [])] };
  }
  plan.notes.push(...notRead(configs.refused));
  plan = withoutUnsafeNames(plan, cwd);
  await checkTransformIds(plan.jobs, configs, options.transformTimeoutMs);
  return plan;
}

/**
 * `explain` and `verify`: the one Dockerfile they are given, with the build context and settings a run over the
 * tree gives it (compose and bake files, the nearest config, --context over both) and its custom transforms loaded.
 * A Dockerfile the build files build with several contexts needs --context: each would be explained differently.
 */
export async function planDockerfile(dockerfile: string, options: Omit<PlanOptions, 'paths' | 'stdin' | 'dockerfile' | 'onDiscovered'>): Promise<DockerfileSetup> {
  const plan = await planRun({ ...options, paths: [], dockerfile });
  const job = plan.jobs[0];
  if (!job) throw new Error(plan.errors[0]!.reason);
  const contexts = job.contexts ?? [path.dirname(job.file)];
  if (contexts.length > 1) {
    const shown = contexts.map((c) => quoteName(path.relative(options.cwd, c) || '.')).join(', ');
    throw new Error(`${quoteName(path.relative(options.cwd, job.file))} is built with ${contexts.length} build contexts (${shown}): name one with --context`);
  }
  // As a run over the tree does (jobs.ts): a context the Dockerfile's sources prove, where nothing names one.
  const proven = job.contexts === undefined ? provenContextOf(job.file, options.cwd) : null;
  const contextDir = proven?.dir ?? contexts[0]!;
  const notes = proven ? [...plan.notes, { file: job.file, message: provenContextMessage(proven, options.cwd) }] : plan.notes;
  const { transformsWith } = await import('./custom-transforms.js');
  const transforms = await transformsWith(job.transforms, job.transformTimeoutMs);
  return { contextDir, options: { transforms, only: job.only, skip: job.skip, unsafe: job.unsafe, builtWith: contextBuilders(contextDir, job.builtWith?.[contextDir] ?? [], job.runFolder, job.contextGiven) }, notes };
}

/** The context the Dockerfile's sources prove (context-from-sources.ts); null for one that cannot be read as a Dockerfile here. */
function provenContextOf(file: string, cwd: string): SourcesContext | null {
  try {
    return contextFromSources(parseDockerfile(readDockerfile(file)).doc, file, cwd);
  } catch (error) {
    if (error instanceof InputError) return null;
    throw error;
  }
}

const UNSAFE_NAME = 'holds a control character (shown quoted, as git quotes names); not processed';

/**
 * Jobs whose Dockerfile or build context has a control character in its path (as printed, relative to cwd) are
 * refused: printed raw, such a name could end a diff header and add a hunk for another file, or forge an output line.
 */
function withoutUnsafeNames(plan: Plan, cwd: string): Plan {
  const unsafe = (p: string) => hasUnsafeCharacter(path.relative(cwd, p));
  const jobs: FileJob[] = [];
  const errors = [...plan.errors];
  for (const job of plan.jobs) {
    const context = job.contexts?.find(unsafe);
    if (unsafe(job.file)) errors.push({ file: job.file, reason: `the path ${UNSAFE_NAME}` });
    else if (context) errors.push({ file: job.file, reason: `its build context ${quoteName(path.relative(cwd, context))} ${UNSAFE_NAME}` });
    else jobs.push(job);
  }
  return { ...plan, jobs, errors };
}

/**
 * Every id named on the command line or in a config must be a transform that exists for that file. The built-in
 * transforms alone, with no id named, need no check: then the transforms are not loaded here at all (a worker pool
 * loads them in each worker, and the main thread never needs them).
 */
async function checkTransformIds(jobs: FileJob[], configs: ConfigResolver, transformTimeoutMs: number | undefined): Promise<void> {
  const ruleIds = configs.ruleIds();
  const named = jobs.filter((job) => job.transforms.length || job.only || job.skip);
  if (!ruleIds.length && !named.length) return;
  const [{ transformsWith }, { selectTransforms }] = await Promise.all([import('./custom-transforms.js'), import('../engine/engine.js')]);
  for (const { id, file, transforms } of ruleIds) {
    const known = (await transformsWith(transforms, transformTimeoutMs)).map((t) => t.id);
    if (!known.includes(id)) throw new ConfigError(file, `unknown transform '${id}' in rules (known: ${known.join(', ')})`);
  }
  const checked = new Set<string>();
  for (const job of named) {
    const key = JSON.stringify([job.transforms, job.only, job.skip]);
    if (checked.has(key)) continue;
    checked.add(key);
    selectTransforms(await transformsWith(job.transforms, job.transformTimeoutMs), job.only, job.skip);
  }
}
