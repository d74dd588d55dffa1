// Which build context each Dockerfile is built with. Compose and bake files found by discovery, and those in the
// folders above each Dockerfile up to its repository root (with that root's GitHub Actions workflows), name
// (Dockerfile, context) pairs; a Dockerfile none of them names is built with its own folder as context.
import fs from 'node:fs';
import path from 'node:path';
import { isBuildFileName } from './file-names.js';
import type { BuildEntry, InlineBuild } from './compose.js';
import { readTreeFile, type RefusedFile } from './tree-files.js';
import { isWorkflowFile, workflowBuilds, WORKFLOWS_FOLDER } from './github-workflows.js';

export interface ContextResolution {
  /** Dockerfile → the context folders the build files give it (sorted). Absent: its own folder. */
  contexts: Map<string, string[]>;
  /** Where each (Dockerfile, context) pair was declared, for messages. */
  origins: Map<string, string[]>;
  /** Build files that could not be read, and builds left out, with why. */
  warnings: string[];
  /** Context folder → the Dockerfiles every build file read builds with it (discovered or not). */
  builds: Map<string, string[]>;
  /** Build files not read because of what they are: a link out of the searched tree, a folder. */
  refused: RefusedFile[];
}

/** The GitHub Actions workflows of a repository root `dir` (`.github/workflows/*.yml`). */
function workflowFilesIn(dir: string): string[] {
  const folder = path.join(dir, WORKFLOWS_FOLDER);
  try {
    return fs.readdirSync(folder).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(folder, n));
  } catch {
    return [];
  }
}

/** Build files in `dir` and every folder above it (and the workflows of those that are repository roots), stopping at the first folder that holds `.git`. */
function buildFilesAbove(dir: string, cache: Map<string, string[]>): string[] {
  let found = cache.get(dir);
  if (found) return found;
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // unreadable folder: nothing to learn from it
  }
  const own = [...names.filter(isBuildFileName).sort().map((n) => path.join(dir, n)), ...(names.includes('.github') ? workflowFilesIn(dir) : [])];
  const parent = path.dirname(dir);
  found = names.includes('.git') || parent === dir ? own : [...own, ...buildFilesAbove(parent, cache)];
  cache.set(dir, found);
  return found;
}

export const originKey = (dockerfile: string, context: string): string => `${dockerfile}\0${context}`;

export async function resolveContexts(dockerfiles: string[], discoveredBuildFiles: string[]): Promise<ContextResolution> {
  const above = new Map<string, string[]>();
  const buildFiles = new Set(discoveredBuildFiles);
  for (const dir of new Set(dockerfiles.map((f) => path.dirname(f)))) for (const f of buildFilesAbove(dir, above)) buildFiles.add(f);
  const warnings: string[] = [];
  const entries: BuildEntry[] = [];
  const refused: RefusedFile[] = [];
  for (const file of [...buildFiles].sort()) {
    const text = readTreeFile(file, refused);
    if (text === undefined) {
      if (!refused.some((r) => r.file === file) && fs.existsSync(file)) warnings.push(`${file}: cannot read build contexts: cannot be opened`);
      continue;
    }
    try {
      const reading = isWorkflowFile(file)
        ? await workflowBuilds(file, text)
        : /docker-bake/.test(path.basename(file))
          ? await (await import('./bake.js')).bakeBuilds(file, text)
          : await (await import('./compose.js')).composeBuilds(file, text);
      entries.push(...reading.builds);
      warnings.push(...reading.notes.map((n) => `${path.dirname(file)}/${n}`));
    } catch (error) {
      warnings.push(`${file}: cannot read build contexts: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  // A build of `Dockerfile` in a folder that has only `dockerfile` builds that file.
  for (const entry of entries) {
    if (path.basename(entry.dockerfile) !== 'Dockerfile' || fs.existsSync(entry.dockerfile)) continue;
    const lowercase = path.join(path.dirname(entry.dockerfile), 'dockerfile');
    if (fs.existsSync(lowercase)) entry.dockerfile = lowercase;
  }
  const builds = new Map<string, string[]>();
  for (const entry of entries) builds.set(entry.context, [...(builds.get(entry.context) ?? []), entry.dockerfile]);
  const wanted = new Set(dockerfiles);
  const contexts = new Map<string, string[]>();
  const origins = new Map<string, string[]>();
  let byRealPath: Map<string, string> | undefined;
  for (const entry of entries) {
    let dockerfile: string | undefined = entry.dockerfile;
    if (!wanted.has(dockerfile)) {
      // The same file reached through a symlinked folder counts.
      byRealPath ??= new Map(dockerfiles.map((f) => [realPath(f), f]));
      dockerfile = byRealPath.get(realPath(entry.dockerfile));
    }
    if (!dockerfile) continue;
    const list = contexts.get(dockerfile) ?? [];
    if (!list.includes(entry.context)) list.push(entry.context);
    contexts.set(dockerfile, list.sort());
    const key = originKey(dockerfile, entry.context);
    origins.set(key, [...(origins.get(key) ?? []), entry.origin]);
  }
  return { contexts, origins, warnings, builds, refused };
}

/** The Dockerfiles the build files (compose, bake, workflows) build with the context folder `dir`. */
export function dockerfilesNamedWith(dir: string, resolution: Pick<ContextResolution, 'builds'> | undefined): string[] {
  return [...(resolution?.builds.get(dir) ?? [])].sort();
}

const realPath = (file: string): string => {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
};

/**
 * The inline Dockerfiles of each of `files` (compose and bake files), for a run to rewrite in place; a file that
 * cannot be read or parsed gives none (resolveContexts reports it).
 */
export async function inlineBuildsIn(files: readonly string[]): Promise<Map<string, InlineBuild[]>> {
  const found = new Map<string, InlineBuild[]>();
  for (const file of files) {
    const text = readTreeFile(file, []);
    if (text === undefined || !/dockerfile[_-]inline/.test(text)) continue;
    try {
      const reading = /docker-bake/.test(path.basename(file)) ? await (await import('./bake.js')).bakeBuilds(file, text) : await (await import('./compose.js')).composeBuilds(file, text);
      if (reading.inline.length) found.set(file, reading.inline);
    } catch {
      // not YAML, or no services mapping: resolveContexts says so
    }
  }
  return found;
}
