// Finding Dockerfiles (and the compose and bake files that give them their build contexts) under the paths and
// globs a user names. Folders are walked with .gitignore respected, and node_modules, vendor and .git skipped.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Ignore } from 'ignore';
import { isInside, LINK_OUT_OF_TREE, readTreeFile, realFolder, type RefusedFile } from '../contexts/tree-files.js';
import { isBuildFileName, isDockerfileName, lowercaseDefault } from '../contexts/file-names.js';

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'vendor']);

export interface Discovery {
  /** Absolute paths, sorted, no duplicates. */
  files: string[];
  /** Those of `files` named on the command line rather than found by a folder search or a glob. */
  named: string[];
  /** Compose and bake files met on the way (absolute, sorted). */
  buildFiles: string[];
  /** Paths named by the user that do not exist or cannot be read, and globs that match nothing. */
  errors: { file: string; reason: string }[];
  /** Files found and left alone, with the one line that says why: a link out of the searched tree. */
  notes: { file: string; message: string }[];
}

export interface DiscoverOptions {
  cwd: string;
  /** Respect .gitignore files (default true). */
  gitignore?: boolean;
}

const require = createRequire(import.meta.url);

/**
 * The .gitignore rules that apply to a path: every .gitignore from the repository root (the nearest folder
 * holding `.git`; without one, the folder the search started in) down to the path's folder.
 */
class GitignoreIndex {
  private readonly perFolder = new Map<string, Ignore | null>();
  private readonly roots = new Map<string, string>();
  /** Per root and folder: the rules of the folders from the root down to it, or null when it is not below the root. */
  private readonly chains = new Map<string, { base: string; rules: Ignore }[] | null>();
  private createIgnore: (() => Ignore) | undefined;
  /** .gitignore files that were not read (a link out of the repository, a folder). */
  readonly refused: RefusedFile[] = [];

  /** The repository root above `dir`, or `fallback` when there is none. */
  rootOf(dir: string, fallback: string): string {
    let cached = this.roots.get(dir);
    if (cached === undefined) {
      const parent = path.dirname(dir);
      cached = fs.existsSync(path.join(dir, '.git')) ? dir : parent === dir ? '' : this.rootOf(parent, '');
      this.roots.set(dir, cached);
    }
    return cached || fallback;
  }

  /** Tells the index, from a folder listing already made, that `dir` has no .gitignore: no read attempt. */
  noteListing(dir: string, names: fs.Dirent[]): void {
    if (!this.perFolder.has(dir) && !names.some((e) => e.name === '.gitignore')) this.perFolder.set(dir, null);
  }

  private rules(dir: string): Ignore | null {
    let rules = this.perFolder.get(dir);
    if (rules === undefined) {
      rules = null;
      const text = readTreeFile(path.join(dir, '.gitignore'), this.refused);
      if (text !== undefined) {
        this.createIgnore ??= require('ignore') as () => Ignore;
        rules = this.createIgnore().add(text);
      }
      this.perFolder.set(dir, rules);
    }
    return rules;
  }

  /**
   * The folders with rules from `root` down to `dir` (both normalized), computed once per folder: a search asks
   * for every folder it meets, and most have no .gitignore on their way up.
   */
  private chainOf(dir: string, root: string): { base: string; rules: Ignore }[] | null {
    const key = `${root}\0${dir}`;
    let chain = this.chains.get(key);
    if (chain === undefined) {
      const parent = path.dirname(dir);
      const above = dir === root ? [] : parent === dir ? null : this.chainOf(parent, root);
      const rules = above && this.rules(dir);
      chain = rules ? [...above!, { base: dir, rules }] : above;
      this.chains.set(key, chain);
    }
    return chain;
  }

  /** Whether `full` (a file, or a folder when `isDir`) is ignored by a .gitignore between `root` and it. */
  ignores(full: string, isDir: boolean, root: string): boolean {
    if (full === root) return false;
    for (const { base, rules } of this.chainOf(path.dirname(full), root) ?? []) {
      const below = path.relative(base, full).split(path.sep).join('/');
      if (rules.ignores(isDir ? `${below}/` : below)) return true;
    }
    return false;
  }
}

const hasContent = (file: string): boolean => {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return true;
  }
};

/** Whether a path argument is a glob rather than a file or folder name. */
const isGlob = (arg: string, cwd: string): boolean => /[*?[\]{}!]/.test(arg) && !fs.existsSync(path.resolve(cwd, arg));

/**
 * Files named directly are taken as they are; folders are searched for Dockerfiles; a glob selects the
 * Dockerfiles it matches and searches the folders it matches.
 */
export async function discover(args: string[], options: DiscoverOptions): Promise<Discovery> {
  // Normalized, as the index compares folder names.
  const cwd = path.resolve(options.cwd);
  const gitignore = options.gitignore === false ? undefined : new GitignoreIndex();
  const files = new Set<string>();
  const named = new Set<string>();
  const buildFiles = new Set<string>();
  const errors: Discovery['errors'] = [];
  const notes: Discovery['notes'] = [];
  const linkOut = (full: string, top: string): boolean => {
    if (!leavesTree(full, top)) return false;
    notes.push({ file: full, message: `${LINK_OUT_OF_TREE}; ${isDockerfileName(path.basename(full)) ? 'not processed' : 'not read'}` });
    return true;
  };

  const walk = (dir: string, root: string, top: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      errors.push({ file: dir, reason: (error as Error).message });
      return;
    }
    gitignore?.noteListing(dir, entries);
    // path.join for a normalized folder and a plain name, without its cost on every entry of a large tree.
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    const lowercase = lowercaseDefault(entries.map((e) => e.name));
    for (const entry of entries) {
      if (entry.isDirectory()) {
        const full = prefix + entry.name;
        if (!SKIPPED_FOLDERS.has(entry.name) && !gitignore?.ignores(full, true, root)) walk(full, root, top);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        // An empty `dockerfile` builds nothing: it is left alone rather than reported as a bad Dockerfile.
        const dockerfile = isDockerfileName(entry.name) || (entry.name === lowercase && hasContent(prefix + entry.name));
        if (!dockerfile && !isBuildFileName(entry.name)) continue;
        const full = prefix + entry.name;
        if (gitignore?.ignores(full, false, root)) continue;
        if (entry.isSymbolicLink() && linkOut(full, top)) continue;
        (dockerfile ? files : buildFiles).add(full);
      }
    }
  };
  const searchFolder = (dir: string) => walk(dir, gitignore?.rootOf(dir, dir) ?? dir, dir);
  const addFile = (full: string) => {
    const name = path.basename(full);
    if ((isDockerfileName(name) || isBuildFileName(name)) && linkOut(full, cwd)) return;
    if (isDockerfileName(name)) files.add(full);
    else if (isBuildFileName(name)) buildFiles.add(full);
  };

  for (const arg of args) {
    if (isGlob(arg, cwd)) {
      await expandGlob(arg, cwd, gitignore, { searchFolder, addFile, errors });
      continue;
    }
    const full = path.resolve(cwd, arg);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      errors.push({ file: full, reason: 'no such file or directory' });
      continue;
    }
    if (stat.isDirectory() && !isDockerfileName(path.basename(full))) searchFolder(full);
    // A compose or bake file named is read for the inline Dockerfiles it holds, not as a Dockerfile.
    else if (stat.isFile() && isBuildFileName(path.basename(full))) buildFiles.add(full);
    else {
      files.add(full);
      named.add(full);
    }
  }
  for (const r of gitignore?.refused ?? []) notes.push({ file: r.file, message: `${r.reason}; not read` });
  return { ...onePathPerFile([...files].sort(), named), buildFiles: [...buildFiles].sort(), errors, notes };
}

/**
 * Whether a file a search found lies in the searched folder by name but, through a link, really outside it.
 * Such a file is left alone: a search rewrites only what lies inside the folder searched (a link named on the
 * command line is followed). A broken link stays in, to be reported.
 */
function leavesTree(file: string, top: string): boolean {
  if (!isInside(file, top)) return false;
  let target: string;
  try {
    target = fs.realpathSync(file);
  } catch {
    return false;
  }
  return !isInside(target, realFolder(top));
}

/**
 * A file reached by several names (symlinks and their target) is processed once: under its real path when that
 * was found, else under the first name; it is named when one of its names is. `files` is sorted; so is the result.
 */
function onePathPerFile(files: string[], named: ReadonlySet<string>): { files: string[]; named: string[] } {
  const byTarget = new Map<string, string>();
  const namedTargets = new Set<string>();
  for (const file of files) {
    let real: string;
    try {
      real = fs.realpathSync.native(file);
    } catch {
      real = file;
    }
    if (!byTarget.has(real) || file === real) byTarget.set(real, file);
    if (named.has(file)) namedTargets.add(real);
  }
  const kept = [...byTarget.entries()].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { files: kept.map(([, file]) => file), named: kept.filter(([real]) => namedTargets.has(real)).map(([, file]) => file) };
}

async function expandGlob(
  pattern: string,
  cwd: string,
  gitignore: GitignoreIndex | undefined,
  found: { searchFolder: (dir: string) => void; addFile: (full: string) => void; errors: Discovery['errors'] },
): Promise<void> {
  const { glob } = await import('tinyglobby');
  const matches = await glob(pattern, {
    cwd,
    absolute: true,
    onlyFiles: false,
    dot: true,
    expandDirectories: false,
    ignore: [...SKIPPED_FOLDERS].map((f) => `**/${f}/**`),
  });
  if (!matches.length) {
    found.errors.push({ file: pattern, reason: 'no files match this glob' });
    return;
  }
  const root = gitignore?.rootOf(cwd, cwd) ?? cwd;
  // Folders come back with a trailing slash; a folder inside one already searched adds nothing.
  const folders = matches.filter((m) => m.endsWith('/')).map((m) => path.resolve(m)).sort();
  const searched: string[] = [];
  for (const dir of folders) {
    if (searched.some((s) => dir.startsWith(s + path.sep)) || gitignore?.ignores(dir, true, root)) continue;
    searched.push(dir);
    found.searchFolder(dir);
  }
  for (const match of matches) {
    if (match.endsWith('/')) continue;
    const full = path.resolve(match);
    if (!gitignore?.ignores(full, false, root)) found.addFile(full);
  }
}
