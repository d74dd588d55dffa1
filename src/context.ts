// Build contexts: what a transform may know about the files next to the Dockerfile.
import fs from 'node:fs';
import path from 'node:path';
import type { BuildContext } from './types.js';
import { normalizeContextPath as normalize } from './context-overlay.js';

export { withWrites } from './context-overlay.js';

/** A build context held in memory, for tests and library users: `{ 'package.json': '{...}' }`. */
export function memoryContext(files: Record<string, string>, ignoreFileName = '.dockerignore'): BuildContext {
  const folders = new Set(Object.keys(files).flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  return {
    ignoreFile: { path: normalize(ignoreFileName) },
    readFile: (p) => files[normalize(p)],
    readBytes: (p, limit) => {
      const text = files[normalize(p)];
      return text === undefined ? undefined : Buffer.from(text, 'utf8').subarray(0, limit);
    },
    exists: (p) => normalize(p) in files || folders.has(normalize(p)),
    listFiles: () => Object.keys(files).map(normalize).sort(),
  };
}

/**
 * The ignore file a build of `dockerfile` with the context folder `root` applies, as an absolute path: BuildKit
 * reads `<Dockerfile name>.dockerignore` from the Dockerfile's folder (inside the context or not) before the
 * context's `.dockerignore`.
 */
export function ignoreFilePath(root: string, dockerfile: string | undefined): string {
  const specific = dockerfile === undefined ? undefined : path.resolve(`${dockerfile}.dockerignore`);
  return specific && fs.statSync(specific, { throwIfNoEntry: false })?.isFile() ? specific : path.resolve(root, '.dockerignore');
}

const slashed = (p: string) => p.split(path.sep).join('/');

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

/**
 * The build context in a folder on disk, for a build of `dockerfile` (which picks the ignore file). `builtWith`:
 * every Dockerfile known to be built with this context; those that apply the same ignore file share it.
 */
export function directoryContext(root: string, dockerfile?: string, builtWith?: readonly string[]): BuildContext {
  const ignorePath = ignoreFilePath(root, dockerfile);
  const ignoreRel = slashed(path.relative(path.resolve(root), ignorePath));
  const ignoreFile = ignoreRel.startsWith('../') || path.isAbsolute(ignoreRel) ? { outside: ignoreRel, text: readText(ignorePath) ?? '' } : { path: ignoreRel };
  const self = dockerfile === undefined ? undefined : path.resolve(dockerfile);
  let sharers: { name: string; text: string | undefined }[] | undefined;
  let listing: string[] | undefined;
  const resolve = (p: string) => {
    const full = path.resolve(root, normalize(p));
    const rel = path.relative(path.resolve(root), full);
    return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : full;
  };
  return {
    ignoreFile,
    ...(builtWith && {
      ignoreFileSharers: () =>
        (sharers ??= [...new Set(builtWith.map((f) => path.resolve(f)))]
          .filter((f) => f !== self && ignoreFilePath(root, f) === ignorePath)
          .map((f) => ({ name: slashed(path.relative(path.resolve(root), f)), text: readText(f) }))),
    }),
    readFile(p) {
      const full = resolve(p);
      try {
        return full ? fs.readFileSync(full, 'utf8') : undefined;
      } catch {
        return undefined;
      }
    },
    readBytes(p, limit) {
      const full = resolve(p);
      if (!full) return undefined;
      let fd: number | undefined;
      try {
        fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        if (!fs.fstatSync(fd).isFile()) return undefined;
        const buffer = Buffer.alloc(limit);
        return buffer.subarray(0, fs.readSync(fd, buffer, 0, limit, 0));
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    },
    exists(p) {
      const full = resolve(p);
      return full ? fs.existsSync(full) : false;
    },
    listFiles() {
      listing ??= listDirectory(root);
      return listing;
    },
  };
}

/** Folders never listed: they hold no manifests of the project itself and can be huge. */
const UNLISTED = new Set(['.git', 'node_modules']);
const MAX_LISTED_FILES = 20_000;
const MAX_LISTED_DEPTH = 8;

function listDirectory(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string, depth: number) => {
    if (depth > MAX_LISTED_DEPTH || out.length >= MAX_LISTED_FILES) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!UNLISTED.has(e.name)) walk(path.join(dir, e.name), r, depth + 1);
      } else if (out.length < MAX_LISTED_FILES) out.push(r);
    }
  };
  walk(root, '', 0);
  return out.sort();
}
