// Which files of a stage change when a source file of the build context is edited. A `COPY --from=<stage>` is keyed
// by the content it brings (BuildKit checksums the copied files), so it changes with a source edit only when what it
// brings holds sources or files made from them: a folder of the build context copied there, or the output of a RUN
// that reads one. Both split-copy-install (why an install after such a copy re-runs) and reorder-for-cache (which
// copies a step should be above) ask this.
import path from 'node:path';
import type { BuildContext } from '../engine/types.js';
import type { CopyArgs, Document, Instruction, Stage } from '../engine/document.js';
import { argValues } from './commands.js';
import { packageRunnerCommand } from './ecosystems/node-scripts.js';
import { copyTarget, isWithin, overlaps, runEffects, UNKNOWN, type Paths } from './effects.js';

/**
 * The context folder a COPY brings in as sources (`''` for the whole context), or null for a copy of single
 * files, globs or several sources, which dockmod leaves where they are.
 */
export function copiedFolder(copy: CopyArgs, context: BuildContext | undefined): string | null {
  if (copy.sources.length !== 1) return null;
  const source = copy.sources[0]!;
  if (/^\.\/?$/.test(source)) return '';
  if (/[*?[$]/.test(source) || !context) return null;
  const folder = contextPathOf(source);
  if (folder === '.') return '';
  if (!isWithin(folder, '.')) return null;
  return context.listFiles().some((f) => f.startsWith(`${folder}/`)) ? folder : null;
}

/**
 * A copy from the build context may bring sources: a source names a folder, a glob, or anything the listing does not
 * hold as a file (or there is no listing). Single files it names one by one are deliberate inputs (scripts, manifests).
 */
export function copiesSources(copy: CopyArgs, context: BuildContext | undefined): boolean {
  if (!context) return true;
  const files = new Set(context.listFiles());
  return copy.sources.some((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? false : /[*?[$]/.test(s) || !files.has(contextPathOf(s)));
}

/** A COPY source as a context-relative path: sources are relative to the context root, a leading `/` included (`COPY /src/Admin/ .`). */
const contextPathOf = (source: string): string => path.posix.normalize(source.replace(/^\/+/, '') || '.').replace(/\/$/, '');


/** What a stage holds that a source edit may change, and how it came there. */
export interface StageSources {
  /** Image paths (absolute), or 'any' when a RUN dockmod cannot follow may have written files made from them anywhere. */
  paths: Paths;
  /** Where copies of sources from the build context landed (copiesSources), in this stage or one it builds on, with the context folder each brought whole (null for globs and files). */
  copied: readonly { target: string; folder: string | null }[];
  /**
   * Folders a tool wrote with manifests alone but for the `paths` within them (`turbo prune --docker`'s `out/`,
   * whose `full/` holds sources): what else they hold does not change with a source edit.
   */
  manifestsOnly: readonly string[];
}

const NONE: StageSources = { paths: [], copied: [], manifestsOnly: [] };
const cache = new WeakMap<Document, Map<number, StageSources>>();

/** The image paths that a copy's sources name (their fixed part before any glob), absolute and normalised. */
export function stageCopySources(copy: CopyArgs): string[] {
  return copy.sources.map((s) => path.posix.normalize(s.replace(/(.)\/+$/, '$1').split('/').filter((_, i, parts) => !parts.slice(0, i + 1).some((p) => /[*?[$]/.test(p))).join('/') || '/')).filter((s) => path.posix.isAbsolute(s));
}

/** The stage a `COPY --from` names, when it is a stage of this Dockerfile (not an image). */
export function stageCopiedFrom(doc: Document, ins: Instruction): Stage | null {
  const from = doc.flag(ins, 'from')?.toLowerCase();
  const copying = doc.stages().find((s) => s.instructions.includes(ins));
  if (from === undefined || !copying) return null;
  return doc.stages().find((s) => s.index < copying.index && (s.name === from || String(s.index) === from)) ?? null;
}

/** The context path a copied folder put at image path `at`, or null when `at` is not below where it landed. */
function contextPathAt(copied: { target: string; folder: string | null }, at: string): string | null {
  if (copied.folder === null || !isWithin(at, copied.target)) return null;
  return path.posix.join(copied.folder, path.posix.relative(copied.target, at)) || '.';
}

/**
 * Whether any of `brought` changes with a source edit, and how: 'copied' when what it brings was copied there from
 * the build context's sources, 'made' when a step made it from them; null when it holds none. Within a
 * manifests-only folder only the source paths in it count; a file of the context copied there as it is changes only
 * when it is edited (it is a named file, as `COPY lingui.config.ts .` would be).
 */
export function changingIn(sources: StageSources, brought: readonly string[], context: BuildContext | undefined): 'copied' | 'made' | null {
  if (sources.paths === 'any') return brought.length > 0 ? 'made' : null;
  const files = context ? new Set(context.listFiles()) : null;
  let found: 'copied' | 'made' | null = null;
  for (const b of brought) {
    const within = sources.manifestsOnly.find((m) => isWithin(b, m));
    const meeting = sources.paths.filter((p) => overlaps([p], [b]) && (within === undefined || isWithin(p, within)));
    for (const p of meeting) {
      const copy = sources.copied.find((c) => c.target === p);
      const contextPath = copy ? contextPathAt(copy, b) : null;
      if (contextPath !== null && files?.has(contextPath)) continue;
      if (copy) found = 'copied';
      else return 'made';
    }
  }
  return found;
}

/** What the stage holds that a source edit may change (see StageSources). */
export function stageSources(doc: Document, stage: Stage, context: BuildContext | undefined): StageSources {
  let byStage = cache.get(doc);
  if (!byStage) cache.set(doc, (byStage = new Map()));
  const known = byStage.get(stage.index);
  if (known) return known;
  byStage.set(stage.index, NONE); // a stage cannot copy from itself: what a cycle would ask is nothing
  const parent = doc.parentStage(stage);
  const start = parent ? stageSources(doc, parent, context) : NONE;
  let paths: Paths = start.paths;
  let manifestsOnly = [...start.manifestsOnly];
  const copied = [...start.copied];
  const add = (more: Paths) => {
    paths = paths === 'any' || more === 'any' ? 'any' : [...paths, ...more];
    manifestsOnly = paths === 'any' ? [] : manifestsOnly.filter((m) => !overlaps([m], more));
  };
  // A tool's output folder that a copy already filled holds what the copy brought too, not manifests alone.
  const filledByCopy = (folder: string) =>
    copied.some((c) => {
      if (!isWithin(folder, c.target)) return false;
      const contextPath = contextPathAt(c, folder);
      return contextPath === null || !context || context.listFiles().some((f) => isWithin(f, contextPath));
    });
  for (const ins of stage.instructions) {
    if (paths === 'any') break;
    const copy = doc.copyArgs(ins);
    if (copy) {
      const target = copyTarget(doc, ins);
      const fromContext = doc.flag(ins, 'from') === undefined;
      if (fromContext ? copiesSources(copy, context) : stageCopyChanges(doc, ins, context)) {
        add(target === null ? 'any' : [target]);
        if (target !== null && fromContext) copied.push({ target, folder: copiedFolder(copy, context) });
      }
    } else if (ins.getKeyword() === 'RUN') {
      // A bind mount of the build context (no `from=`) hands the RUN every source file.
      const bindsContext = doc.flags(ins).some((f) => f.getName().toLowerCase() === 'mount' && /type=bind/.test(f.getValue() ?? '') && !/(^|,)from=/.test(f.getValue() ?? ''));
      if (!bindsContext && paths.length === 0) continue;
      const made = runMakes(doc, ins, bindsContext ? ['/'] : paths);
      add(made === 'any' ? 'any' : made.flatMap((m) => m.sources));
      if (made !== 'any') manifestsOnly.push(...made.flatMap((m) => m.manifests).filter((m) => !filledByCopy(m)));
    }
  }
  const result = { paths, copied, manifestsOnly };
  byStage.set(stage.index, result);
  return result;
}

/** `COPY --from=<stage>` brings files of that stage that a source edit may change. */
export function stageCopyChanges(doc: Document, ins: Instruction, context: BuildContext | undefined): boolean {
  const stage = stageCopiedFrom(doc, ins);
  const copy = doc.copyArgs(ins);
  return !!stage && !!copy && changingIn(stageSources(doc, stage, context), stageCopySources(copy), context) !== null;
}

/** What a step wrote: paths that may hold sources or files made from them, and folders of manifests alone. */
interface Made {
  sources: string[];
  manifests: string[];
}

/**
 * What a RUN writes that a source edit may change, given the `changing` paths before it: what its steps that read
 * them write. A step dockmod cannot follow may write anywhere. Two tools made to split manifests from sources are
 * read by their documented output: `turbo prune --docker` puts the sources it keeps in `out/full/`, and in
 * `out/json/` and beside it the manifests alone (package.json files, patches, .npmrc, the lockfile);
 * `cargo chef prepare` writes a recipe of the manifests and the targets' names, which a source edit leaves as it is.
 */
function runMakes(doc: Document, run: Instruction, changing: readonly string[]): Made[] | 'any' {
  const effects = runEffects(doc, run);
  if (!effects) return 'any';
  const made: Made[] = [];
  for (const step of effects.steps) {
    const argv = step.command ? [step.command.name, ...argValues(step.command)] : null;
    const pruned = argv && (turboPruneOutput(argv, step.cwd) ?? cargoChefRecipe(argv, step.cwd));
    if (pruned) made.push(pruned);
    else if (step.effect === UNKNOWN || step.effect.writes === 'any') return 'any';
    else if (overlaps(step.effect.reads, changing)) made.push({ sources: [...step.effect.writes], manifests: [] });
  }
  return made;
}

/** What `turbo prune` writes (with --docker, `<out>/full` of sources, the rest of `<out>` manifests), or null. */
function turboPruneOutput(argv: (string | null)[], cwd: string | null): Made | null {
  const [name, sub, ...rest] = packageRunnerCommand(argv);
  if (name !== 'turbo' || sub !== 'prune' || cwd === null || rest.includes(null)) return null;
  const words = rest as string[];
  const outAt = words.findIndex((w) => w === '--out-dir' || w.startsWith('--out-dir='));
  const out = outAt < 0 ? 'out' : words[outAt]!.includes('=') ? words[outAt]!.slice('--out-dir='.length) : words[outAt + 1];
  if (out === undefined) return null;
  const folder = path.posix.resolve(cwd, out);
  if (!words.includes('--docker')) return { sources: [folder], manifests: [] };
  return { sources: [`${folder}/full`], manifests: [folder] };
}

/** The recipe `cargo chef prepare` writes (`--recipe-path`, recipe.json by default), as manifests alone, or null. */
function cargoChefRecipe(argv: (string | null)[], cwd: string | null): Made | null {
  const [name, chef, sub, ...rest] = argv;
  if (name !== 'cargo' || chef !== 'chef' || sub !== 'prepare' || cwd === null || rest.includes(null)) return null;
  const words = rest as string[];
  const at = words.findIndex((w) => w === '--recipe-path' || w.startsWith('--recipe-path='));
  const recipe = at < 0 ? 'recipe.json' : words[at]!.includes('=') ? words[at]!.slice('--recipe-path='.length) : words[at + 1];
  return recipe === undefined ? null : { sources: [], manifests: [path.posix.resolve(cwd, recipe)] };
}
