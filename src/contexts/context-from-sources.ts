// The build context of a Dockerfile that no compose or bake file and no --context names. `docker build` is told
// its context by whoever runs it; dockmod takes the Dockerfile's own folder, unless the Dockerfile proves that
// wrong: every COPY and ADD source must be in the context (a build fails on a missing one), so a folder that lacks
// a source the Dockerfile names is not its context. Then the context is the nearest folder above, up to the
// repository's root, that has every such source.
import path from 'node:path';
import { Document } from '../engine/document.js';
import { directoryContext, DISK, type ContextBuilders, type Disk } from './context.js';
import { isInside } from './tree-files.js';
import { isWildcard, readContextCopy } from './context-files.js';
import { quoteName } from '../engine/escape.js';

export interface SourcesContext {
  dir: string;
  /** Why: a source the Dockerfile's own folder lacks. */
  missing: string;
}

/**
 * The context folder the Dockerfile's sources prove, when that is not its own folder; null when it is, or when no
 * folder above it up to `top` (where dockmod runs; never above a repository's root) has them all.
 */
export function contextFromSources(doc: Document, dockerfile: string, top: string, disk: Disk = DISK): SourcesContext | null {
  const own = path.dirname(path.resolve(dockerfile));
  const highest = path.resolve(top);
  if (own === highest || !isInside(own, highest)) return null;
  const named = namedSources(doc);
  const lacks = (dir: string) => {
    const context = directoryContext(dir, dockerfile, undefined, disk);
    return named.find((source) => !context.exists(source));
  };
  const isRepositoryRoot = (dir: string) => disk.realPath(path.join(dir, '.git')) !== undefined;
  const missing = named.length ? lacks(own) : undefined;
  if (missing === undefined || isRepositoryRoot(own)) return null;
  for (let dir = path.dirname(own); isInside(dir, highest); dir = path.dirname(dir)) {
    if (lacks(dir) === undefined) return { dir, missing };
    if (dir === highest || isRepositoryRoot(dir)) return null;
  }
  return null;
}

/**
 * Who builds with the context folder `dir`: `named` (by compose and bake files), and each other Dockerfile in it
 * whose context dockmod takes to be `dir` as it takes this one's: its own folder, or the folder its sources
 * prove (looked for up to `top`, or `dir` when that is higher). `everyone`: every Dockerfile in it (--context
 * gives all one context).
 */
export function contextBuilders(dir: string, named: readonly string[], top: string | undefined, everyone = false, disk: Disk = DISK): ContextBuilders {
  const highest = top === undefined || !isInside(path.resolve(dir), path.resolve(top)) ? dir : top;
  const takenHere = (dockerfile: string, text: string) => path.resolve(contextFromSources(new Document(text), dockerfile, highest, disk)?.dir ?? path.dirname(dockerfile)) === path.resolve(dir);
  return { named, builtHere: everyone ? () => true : takenHere };
}

/** The context paths the Dockerfile's COPY and ADD instructions name as they are written (no wildcard, no variable). */
function namedSources(doc: Document): string[] {
  const named = new Set<string>();
  for (const ins of doc.instructions()) {
    const copy = readContextCopy(doc, ins);
    if (!copy || 'unknown' in copy) continue;
    for (const source of copy.sources) if (source.base === undefined && source.path !== '' && !isWildcard(source.path)) named.add(source.path);
  }
  return [...named];
}

/** What the user is told when the context was taken this way: the folder (from `cwd`) and the source that proves it. */
export function provenContextMessage(proven: Pick<SourcesContext, 'dir' | 'missing'>, cwd: string): string {
  return `build context taken to be ${quoteName(path.relative(cwd, proven.dir) || '.')}, which has ${quoteName(proven.missing)} that it copies, as its own folder does not (--context names another)`;
}
