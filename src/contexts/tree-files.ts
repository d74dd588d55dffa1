// Reading the files of a tree that may be hostile: nothing is read through a link that leaves the tree (a
// `.dockerignore` pointing at /proc/self/environ must not put the environment into a report), and a folder, a
// named pipe or a device where a file is expected is refused instead of read (or waited on) forever.
import fs from 'node:fs';
import path from 'node:path';

export const LINK_OUT_OF_CONTEXT = 'a symbolic link to outside the build context';
export const LINK_OUT_OF_TREE = 'a symbolic link to outside the searched tree';
export const FOLDER = 'a folder, not a file';
const SPECIAL = 'not a regular file';

/** What is there instead of a readable file, in words that follow "is": `a folder, not a file`. */
export interface Refused {
  refused: string;
}

/** A file dockmod found and did not read, with why, for the one line that tells the user. */
export interface RefusedFile {
  file: string;
  reason: string;
}

/** The folder with every link resolved, or the path itself when it cannot be resolved. */
export function realFolder(dir: string): string {
  try {
    return fs.realpathSync.native(dir);
  } catch {
    return path.resolve(dir);
  }
}

/** Whether `real` (a resolved path) is `realRoot` or lies under it. */
export function isInside(real: string, realRoot: string): boolean {
  const rel = path.relative(realRoot, real);
  // `..name` is a file inside; only `..` itself or a path through it leaves.
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** The path of the file an open descriptor refers to: from /proc on Linux (no race with a swapped link), else resolved by name. */
function openedPath(fd: number, file: string): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return fs.realpathSync.native(file);
  }
}

/**
 * The bytes of `file` (the first `limit`, when given) if it is a regular file whose real path lies inside
 * `realRoot`; `{ refused }` saying what is there instead (`outside` for a link out of the root); undefined
 * when nothing can be opened there (missing, a broken link, no permission). The check is made on the opened
 * file, so a link swapped in after it cannot redirect the read.
 */
export function readInside(file: string, realRoot: string, outside: string, limit?: number): Buffer | Refused | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EISDIR' ? { refused: FOLDER } : undefined;
  }
  try {
    if (!isInside(openedPath(fd, file), realRoot)) return { refused: outside };
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) return { refused: FOLDER };
    if (!stat.isFile()) return { refused: SPECIAL };
    if (limit === undefined) return fs.readFileSync(fd);
    const buffer = Buffer.alloc(limit);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, limit, 0));
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads settings and build files of the searched tree (compose, bake, dockmod.config.json, .gitignore): the text
 * of a file inside its repository (the nearest folder above holding `.git`, else the folder holding the file),
 * undefined when there is none; a file that is there but refused is added to `refused`.
 */
export function readTreeFile(file: string, refused: RefusedFile[]): string | undefined {
  const root = repositoryRoot(path.dirname(path.resolve(file)));
  let realRoot = realRoots.get(root);
  if (realRoot === undefined) realRoots.set(root, (realRoot = realFolder(root)));
  const read = readInside(file, realRoot, LINK_OUT_OF_TREE);
  if (read === undefined || Buffer.isBuffer(read)) return read?.toString('utf8');
  refused.push({ file, reason: read.refused });
  return undefined;
}

const realRoots = new Map<string, string>();
const repositoryRoots = new Map<string, string | null>();

/** The nearest folder at or above `dir` that holds `.git`, else `dir` itself. */
export function repositoryRoot(dir: string): string {
  const above = (d: string): string | null => {
    let found = repositoryRoots.get(d);
    if (found === undefined) {
      const parent = path.dirname(d);
      found = fs.existsSync(path.join(d, '.git')) ? d : parent === d ? null : above(parent);
      repositoryRoots.set(d, found);
    }
    return found;
  };
  return above(dir) ?? dir;
}
