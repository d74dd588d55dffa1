// Build contexts: what a transform may know about the files next to the Dockerfile.
import fs from 'node:fs';
import path from 'node:path';
import type { BuildContext } from '../engine/types.js';
import { FOLDER, isInside, LINK_OUT_OF_CONTEXT, readInside, readTreeFile, realFolder, type RefusedFile } from './tree-files.js';
import { normalizeContextPath as normalize } from '../engine/context-overlay.js';
import { isDockerfileName } from './file-names.js';

export { withWrites } from '../engine/context-overlay.js';

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
 * Every question a directory context asks the disk. Each answer depends on its arguments and the disk alone, so a
 * ReadLog (reads.ts) can record the questions a run asked and a later run can ask them again to see if a result
 * still holds.
 */
export const DISK = {
  realFolder,
  realPath(file: string): string | undefined {
    try {
      return fs.realpathSync.native(file);
    } catch {
      return undefined;
    }
  },
  isFile: (file: string): boolean => fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false,
  readInside,
  /** readTreeFile's text, or why the file was refused. */
  readTreeFile(file: string): { text?: string; refused?: RefusedFile } {
    const refused: RefusedFile[] = [];
    const text = readTreeFile(file, refused);
    return refused.length ? { refused: refused[0] } : { text };
  },
  listDirectory: (root: string): string[] => listDirectory(root),
};
export type Disk = typeof DISK;

/**
 * The ignore file a build of `dockerfile` with the context folder `root` applies, as an absolute path: BuildKit
 * reads `<Dockerfile name>.dockerignore` from the Dockerfile's folder (inside the context or not) before the
 * context's `.dockerignore`.
 */
export function ignoreFilePath(root: string, dockerfile: string | undefined, disk: Disk = DISK): string {
  const specific = dockerfile === undefined ? undefined : path.resolve(`${dockerfile}.dockerignore`);
  return specific && disk.isFile(specific) ? specific : path.resolve(root, '.dockerignore');
}

const slashed = (p: string) => p.split(path.sep).join('/');

/**
 * Who else builds with a context folder: the Dockerfiles build files name with it (`named`), and, of the other
 * Dockerfiles it holds, those `builtHere` says are built with it (given each one's path and text).
 */
export interface ContextBuilders {
  named: readonly string[];
  builtHere(dockerfile: string, text: string): boolean;
}

/**
 * The build context in a folder on disk, for a build of `dockerfile` (which picks the ignore file). `builtWith`:
 * the Dockerfiles built with this context; those that apply the same ignore file share it. `refused()`: the files
 * met that were not read (context-relative), with why.
 */
export function directoryContext(root: string, dockerfile?: string, builtWith?: ContextBuilders, disk: Disk = DISK): BuildContext & { refused(): RefusedFile[] } {
  const ignorePath = ignoreFilePath(root, dockerfile, disk);
  const ignoreRel = slashed(path.relative(path.resolve(root), ignorePath));
  const fromRoot = (file: string) => slashed(path.relative(path.resolve(root), file));
  // Files outside the context (an ignore file beside a Dockerfile elsewhere, the other Dockerfiles) are read as
  // the files of the searched tree are: not through a link out of their repository.
  const treeRefusals: RefusedFile[] = [];
  const readOutside = (file: string) => {
    const { text, refused } = disk.readTreeFile(file);
    if (refused) treeRefusals.push(refused);
    return text?.replace(/^\uFEFF/, '');
  };
  const ignoreFile = ignoreRel.startsWith('../') || path.isAbsolute(ignoreRel) ? { outside: ignoreRel, text: readOutside(ignorePath) ?? '' } : { path: ignoreRel };
  const self = dockerfile === undefined ? undefined : path.resolve(dockerfile);
  let sharers: { name: string; text: string | undefined }[] | undefined;
  let listing: string[] | undefined;
  const listFiles = (): string[] => (listing ??= disk.listDirectory(root));
  const resolve = (p: string) => {
    const full = path.resolve(root, normalize(p));
    return isInside(full, path.resolve(root)) ? full : undefined;
  };
  // A file whose real path leaves the context is not read (BuildKit resolves such a link inside the context,
  // so it does not see that file either); neither is a folder or a special file where a file is expected.
  const realRoot = disk.realFolder(root);
  const refusals = new Map<string, string>();
  const read = (p: string, limit?: number): Buffer | undefined => {
    const full = resolve(p);
    const bytes = full ? disk.readInside(full, realRoot, LINK_OUT_OF_CONTEXT, limit) : undefined;
    if (bytes === undefined || Buffer.isBuffer(bytes)) return bytes;
    // readBytes only probes for an archive: a folder there is an answer, not a refusal.
    if (limit === undefined || bytes.refused !== FOLDER) refusals.set(normalize(p), bytes.refused);
    return undefined;
  };
  return {
    ignoreFile,
    ...(builtWith && {
      ignoreFileSharers: () => {
        if (sharers) return sharers;
        const named = new Set(builtWith.named.map((f) => path.resolve(f)));
        const listed = new Set(listFiles());
        const lowercaseHeld = (f: string) => path.posix.basename(f) === 'dockerfile' && !listed.has(path.posix.join(path.posix.dirname(f), 'Dockerfile'));
        const held = [...listed].filter((f) => isDockerfileName(path.posix.basename(f)) || lowercaseHeld(f)).map((f) => path.resolve(root, f));
        // One that cannot be read is counted: what it needs is not known.
        sharers = [...new Set([...named, ...held])]
          .filter((f) => f !== self && ignoreFilePath(root, f, disk) === ignorePath)
          .flatMap((f) => {
            const text = readOutside(f);
            return named.has(f) || text === undefined || builtWith.builtHere(f, text) ? [{ name: fromRoot(f), text }] : [];
          });
        return sharers;
      },
    }),
    readFile: (p) => read(p)?.toString('utf8'),
    readBytes: (p, limit) => read(p, limit),
    exists(p) {
      const full = resolve(p);
      if (!full) return false;
      const real = disk.realPath(full);
      if (real === undefined) return false;
      if (isInside(real, realRoot)) return true;
      refusals.set(normalize(p), LINK_OUT_OF_CONTEXT);
      return false;
    },
    refusal(p) {
      if (!refusals.has(normalize(p))) read(p);
      return refusals.get(normalize(p));
    },
    refused: () => [...[...refusals].map(([file, reason]) => ({ file, reason })), ...treeRefusals.map((r) => ({ file: fromRoot(r.file), reason: r.reason }))],
    listFiles,
  };
}

/** Folders never listed: they hold no manifests of the project itself and can be huge. */
const UNLISTED = new Set(['.git', 'node_modules']);
const MAX_LISTED_FILES = 20_000;
const MAX_LISTED_DEPTH = 8;

/** Every file under `root` (relative, sorted), to MAX_LISTED_DEPTH and MAX_LISTED_FILES; `onFolder` is told of each folder before it is read. */
export function listDirectory(root: string, onFolder?: (folder: string) => void): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string, depth: number) => {
    if (depth > MAX_LISTED_DEPTH || out.length >= MAX_LISTED_FILES) return;
    let entries: fs.Dirent[];
    onFolder?.(dir);
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
