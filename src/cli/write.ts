// Atomic in-place writes: a temp file in the same folder, fsync, then rename over the original. A reader (or a
// crash) sees the old file or the new one, never a torn one. A run killed between the two leaves its temp file;
// the next write into that folder removes it once the process that made it is gone.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isInside, LINK_OUT_OF_CONTEXT, realFolder } from '../contexts/tree-files.js';

export const TEMP_MARKER = '.dockmod-tmp-';
/** `.<name>.dockmod-tmp-<pid>-<hex>`: the pid tells a temp file of a live run from one left by a dead run. */
const TEMP_NAME = /^\..*\.dockmod-tmp-(\d+)-[0-9a-f]+$/;
/** Keeps the temp name under the usual 255-byte limit for long file names. */
const MAX_NAME_IN_TEMP = 200;

/** What the file held when it was read: its text (undefined: it did not exist) and, optionally, its stat. */
export interface Expected {
  text: string | undefined;
  stat?: Pick<fs.Stats, 'mtimeMs' | 'size'>;
  /** The build context the file belongs to: a write that links resolved would land outside it is refused. */
  within?: string;
}

/** Folders already cleared of stale temp files by this process. */
const swept = new Set<string>();

/**
 * Replaces `file` with `text`, keeping its mode and (where allowed) its owner. With `expected`, the file must
 * still hold what was read, checked just before the rename; otherwise nothing is written and an error says so.
 * A symlink is followed: its target is rewritten, the link kept. A file without any write permission bit is
 * read-only and never rewritten, even by root.
 */
export function writeFileAtomic(file: string, text: string, expected?: Expected): void {
  const target = resolveTarget(file);
  const dir = path.dirname(target);
  // Checked on the real path just before writing: the file may have become a link out since it was read.
  if (expected?.within && !isInside(path.join(realFolder(dir), path.basename(target)), realFolder(expected.within))) {
    throw new Error(`${LINK_OUT_OF_CONTEXT}; not written`);
  }
  removeStaleTemps(dir);
  const current = fs.statSync(target, { throwIfNoEntry: false });
  if (current) {
    if ((current.mode & 0o222) === 0) throw new Error('read-only file; not overwritten');
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch {
      throw new Error('permission denied; not overwritten');
    }
  }
  const temp = path.join(dir, `.${path.basename(target).slice(0, MAX_NAME_IN_TEMP)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
  let fd: number;
  try {
    fd = fs.openSync(temp, 'wx', current ? current.mode & 0o7777 : 0o666);
  } catch (error) {
    throw new Error(`cannot create a temp file in ${dir}: ${describe(error)}; not overwritten`);
  }
  try {
    try {
      fs.writeFileSync(fd, text);
      if (current) {
        // The umask may have narrowed the mode given to open.
        fs.fchmodSync(fd, current.mode & 0o7777);
        keepOwner(fd, current);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (expected) checkUnchanged(target, expected);
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  syncFolder(dir);
}

/**
 * writeFileAtomic for another file of a build context (a rewritten .dockerignore): the path, as written, must
 * resolve inside `contextDir`, and no link may lead the write out of it, or nothing is written. (The engine already
 * refuses such a path from a transform; this is the last check before the disk.)
 */
export function writeContextFile(contextDir: string, file: string, text: string, expected: Expected): void {
  const target = path.resolve(file);
  const rel = path.relative(path.resolve(contextDir), target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw new Error(`${target} is outside the build context ${contextDir}; not written`);
  writeFileAtomic(target, text, { ...expected, within: contextDir });
}

/**
 * Removes the temp files that runs which no longer exist left in `dir` (killed between writing a temp file and
 * renaming it). Temp files of live processes are theirs and stay. Once per folder per process; returns the
 * names removed.
 */
export function removeStaleTemps(dir: string): string[] {
  if (swept.has(dir)) return [];
  swept.add(dir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // removed by another run meanwhile, or not ours to remove: left alone
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The file a write lands in: a symlink's target (which must exist), else the path itself. */
function resolveTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${describe(error)}; not overwritten`);
    if (fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) throw new Error('broken symbolic link; not overwritten');
    return path.resolve(file);
  }
}

function checkUnchanged(target: string, expected: Expected): void {
  const now = fs.statSync(target, { throwIfNoEntry: false });
  if (expected.text === undefined) {
    if (now) throw new Error('created on disk since dockmod looked; not overwritten');
    return;
  }
  const same =
    now !== undefined &&
    (!expected.stat || (now.mtimeMs === expected.stat.mtimeMs && now.size === expected.stat.size)) &&
    fs.readFileSync(target).equals(Buffer.from(expected.text, 'utf8'));
  if (!same) throw new Error(now ? 'changed on disk since it was read; not overwritten' : 'deleted since it was read; not recreated');
}

/** Root rewrites someone else's file as theirs. Other users cannot give a file away: the new file is theirs. */
function keepOwner(fd: number, current: fs.Stats): void {
  if (process.getuid?.() === 0) fs.fchownSync(fd, current.uid, current.gid);
}

/** Makes the rename itself durable. Some file systems cannot fsync a folder; the rename has happened anyway. */
function syncFolder(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EROFS') return 'read-only file system';
  if (e.code === 'ENOSPC') return 'no space left on device';
  return e.message;
}

/** removeStaleTemps for the folder that holds `file`, or its target when it is a symlink. */
export function removeStaleTempsNear(file: string): string[] {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return [];
  }
  return removeStaleTemps(path.dirname(real));
}
