// Which build-context files a COPY/ADD brings and where each lands, read as BuildKit reads the instruction, so
// that every transform asks the same question the same way (`npm install` in /app reads /app/package-lock.json:
// which context file is that, if any?).
//
// BuildKit's rules (frontend/dockerfile/dockerfile2llb/convert_copy.go, solver/llbsolver/file/backend.go,
// tonistiigi/fsutil copy):
// - A source is a path below the context root. A wildcard source matches entries with Go's filepath.Match (`*`
//   stays within a path segment); a matched folder, like a folder named as a source, brings its content.
// - A file source lands at the destination, or inside it when the destination is a folder (ends in `/`, is `.`,
//   or the copy has several sources or a wildcard); a folder's files land below the destination by their path
//   inside the folder.
// - `--exclude` patterns are matched like .dockerignore patterns against the path below a copied folder. BuildKit
//   does not apply them to a file named or matched as a source itself (moby/buildkit#5489, documented otherwise),
//   so such a file is neither known to land nor known to stay out.
// - `--parents`: the source is a .dockerignore-style pattern below the context root, or below the folder before a
//   `/./` in it; each matched file keeps its path below that point, under the destination.
// - The ignore file keeps files out of the context altogether.
import path from 'node:path';
import picomatch from 'picomatch';
import { expand, type Document, type Instruction } from '../engine/document.js';
import { InputRefusal, type BuildContext } from '../engine/types.js';
import { contextIgnoreMatcher, dockerignoreMatcher, type IgnoreMatcher } from './dockerignore.js';

const WILDCARD = /[*?[\\]/;
const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^git@/i;

/** An ADD source that is downloaded (a URL or a git remote), not read from the build context. */
export const isRemoteSource = (source: string): boolean => REMOTE.test(source);

interface CopySource {
  /** Context-relative, normalised ('' for the context root); with `--parents`, the pattern below `base`. */
  path: string;
  /** With `--parents`: the folder below which matched files keep their path ('' for the context root). */
  base?: string;
}

/** A COPY/ADD from the build context, read into what decides which files it brings and where they land. */
export interface ContextCopy {
  /** Absolute destination (under IMAGE_WORKDIR when relative to the base image's WORKDIR). */
  dest: string;
  /** Files named as sources land inside `dest` rather than at it. */
  intoFolder: boolean;
  sources: CopySource[];
  excludes: string[];
  /** The ADD also downloads (URL or git sources), which write into `dest` as well. */
  downloads: boolean;
}

/** Where one context file lands, or why that is not known. */
export type Landing = { at: string } | { uncertain: string; at: string };

/**
 * The build-context copy `ins` makes; `{ unknown }` with the reason when a variable hides what it copies or
 * where; null for instructions that copy nothing from the context (not COPY/ADD, heredocs, `--from`).
 */
export function readContextCopy(doc: Document, ins: Instruction): ContextCopy | { unknown: string } | null {
  const args = doc.copyArgs(ins);
  if (!args || doc.flag(ins, 'from') !== undefined) return null;
  const vars = doc.variablesAt(ins);
  const workdir = doc.workdirAt(ins);
  const dest = expand(args.dest, vars);
  if (workdir === null || dest === null) return { unknown: `the destination of ${doc.quote(ins)} depends on a variable` };
  const excludes: string[] = [];
  let parents = false;
  for (const flag of args.flags) {
    const name = flag.getName().toLowerCase();
    const value = flag.getValue();
    if (name === 'parents') parents = value === null || value.toLowerCase() !== 'false';
    if (name !== 'exclude') continue;
    const pattern = expand(value ?? '', vars);
    if (pattern === null) return { unknown: `an --exclude pattern of ${doc.quote(ins)} depends on a variable` };
    try {
      dockerignoreMatcher(pattern);
    } catch (error) {
      if (error instanceof InputRefusal) return { unknown: `the --exclude pattern \`${pattern}\` of ${doc.quote(ins)} does not compile as Docker's matcher compiles it (a build with it fails)` };
      throw error;
    }
    excludes.push(pattern);
  }
  const sources: CopySource[] = [];
  let downloads = false;
  for (const raw of args.sources) {
    if (ins.getKeyword() === 'ADD' && isRemoteSource(raw)) {
      downloads = true;
      continue;
    }
    const source = expand(raw, vars);
    if (source === null) return { unknown: `the source \`${raw}\` of ${doc.quote(ins)} depends on a variable` };
    if (!parents) {
      sources.push({ path: contextPath(source) });
      continue;
    }
    const pivot = source.indexOf('/./');
    sources.push(pivot < 0 ? { path: contextPath(source), base: '' } : { path: contextPath(source.slice(pivot + 3)), base: contextPath(source.slice(0, pivot)) });
  }
  const intoFolder = /\/$/.test(dest) || dest === '.' || dest === '' || args.sources.length > 1 || parents;
  return { dest: path.posix.resolve(workdir, dest), intoFolder, sources, excludes, downloads };
}

/** A source as a path below the context root: BuildKit resolves it against `/`, so `..` cannot leave the root. */
export function contextPath(source: string): string {
  const p = path.posix.normalize(`/${source}`).replace(/^\/+|\/+$/g, '');
  return p === '.' ? '' : p;
}

/** Go's filepath.Match on `/`-separated paths: no braces, extglobs or `**`; `[!...]` is not a negation there. */
function goMatch(pattern: string, name: string): boolean | null {
  if (/\[!/.test(pattern)) return null;
  return picomatch.isMatch(name, pattern, { dot: true, nobrace: true, noextglob: true, noglobstar: true, nonegate: true, posix: false });
}

/**
 * The entry a wildcard source matches on the way to `file`: the file itself, or the folder of it with as many
 * segments as the pattern (whose content the copy brings); null for none, undefined when dockmod cannot tell.
 */
export function wildcardEntry(pattern: string, file: string): string | null | undefined {
  const depth = pattern.split('/').length;
  const parts = file.split('/');
  if (parts.length < depth) return null;
  const entry = parts.slice(0, depth).join('/');
  const match = goMatch(pattern, entry);
  return match === null ? undefined : match ? entry : null;
}

export const isWildcard = (source: string) => WILDCARD.test(source);

const matchers = new Map<string, IgnoreMatcher>();
/** A .dockerignore-style matcher for patterns (as `--exclude` and `--parents` sources are matched). */
function patternMatcher(patterns: string[]): IgnoreMatcher {
  const key = patterns.join('\n');
  let matcher = matchers.get(key);
  if (!matcher) {
    if (matchers.size >= 1000) matchers.clear();
    matchers.set(key, (matcher = dockerignoreMatcher(key)));
  }
  return matcher;
}

/** Every place the copy puts the context file `file` (context-relative), uncertain ones included; [] when none. */
export function landings(copy: ContextCopy, file: string): Landing[] {
  const out: Landing[] = [];
  const excluded = (inside: string) => copy.excludes.length > 0 && patternMatcher(copy.excludes).ignores(inside);
  const inFolder = (folder: string) => {
    const inside = folder === '' ? file : file.slice(folder.length + 1);
    if (!excluded(inside)) out.push({ at: path.posix.join(copy.dest, inside) });
  };
  const named = (intoFolder: boolean) => {
    const at = intoFolder ? path.posix.join(copy.dest, path.posix.basename(file)) : copy.dest;
    const exclude = copy.excludes.find((e) => patternMatcher([e]).ignores(file) || patternMatcher([e]).ignores(path.posix.basename(file)));
    out.push(exclude === undefined ? { at } : { at, uncertain: `--exclude=${exclude} matches ${file}, which BuildKit excludes only below a copied folder (moby/buildkit#5489)` });
  };
  for (const source of copy.sources) {
    if (source.base !== undefined) {
      const inside = source.base === '' ? file : isBelow(file, source.base) ? file.slice(source.base.length + 1) : null;
      if (inside === null) continue;
      if ((source.path === '' || patternMatcher([source.path]).ignores(inside)) && !excluded(inside)) out.push({ at: path.posix.join(copy.dest, inside) });
      continue;
    }
    if (!WILDCARD.test(source.path)) {
      if (file === source.path) named(copy.intoFolder);
      else if (source.path === '' || isBelow(file, source.path)) inFolder(source.path);
      continue;
    }
    const match = wildcardEntry(source.path, file);
    if (match === undefined) out.push({ at: copy.dest, uncertain: `dockmod cannot read the wildcard \`${source.path}\` as Go does` });
    else if (match === file) named(true);
    else if (match !== null) inFolder(match);
  }
  return out;
}

const isBelow = (file: string, folder: string) => file.startsWith(`${folder}/`);

/** The files of the context that the ignore file leaves in it. */
export function contextFiles(context: BuildContext): string[] {
  const ignored = contextIgnoreMatcher(context);
  return context.listFiles().filter((f) => !ignored.ignores(f));
}

/**
 * The context-relative path of the file that the last COPY/ADD of the stage before `ins` put at `target` (an
 * absolute path, or one under IMAGE_WORKDIR); `{ unsure }` with the reason when a copy may or may not have put
 * one there; null when no copy is known to have put a context file there. A copy that a variable hides or that
 * downloads ends the search with null, so a later copy cannot hide behind it.
 */
export function contextFileAt(doc: Document, ins: Instruction, target: string, context: BuildContext): string | { unsure: string } | null {
  const stage = doc.stageOf(ins);
  if (!stage) return null;
  const files = contextFiles(context);
  const before = stage.instructions.slice(0, stage.instructions.indexOf(ins)).reverse();
  for (const instruction of before) {
    const copy = readContextCopy(doc, instruction);
    if (copy === null) continue;
    if ('unknown' in copy || copy.downloads) return null;
    for (const file of files) {
      const landing = landings(copy, file).find((l) => l.at === target);
      if (landing) return 'uncertain' in landing ? { unsure: landing.uncertain } : file;
    }
  }
  return null;
}
