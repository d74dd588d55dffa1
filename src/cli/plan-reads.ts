// What planning a run read from disk (plan.ts: the folders discovery walked, the .gitignore, config and build files
// read, the links resolved, the names looked for), so that a later run with the results cache can tell whether the
// plan still holds without walking the tree again. The planning modules read the disk through node:fs alone; while
// a plan is recorded, each of fs's synchronous readers is wrapped to note what it was asked, with the stamps of the
// paths (src/contexts/reads.ts) taken before it answers. A reader that is not wrapped (an asynchronous one: a glob's
// walk) makes the plan one that is not kept.
import fs from 'node:fs';
import path from 'node:path';
import { digest, Stamps } from '../contexts/reads.js';
import { ownCode } from './own-code.js';

/**
 * One read: `list` a folder read (its stamp, and a digest of its names, which a folder changed since, like a busy
 * /tmp above the tree, is read again for), `read` a file opened (its real path and stamp), `kind` whether a path is
 * there and what it is, `real` a path resolved, `link` a link read. A missing path's stamp is `!` and its folder's.
 */
export type PlanRead = [kind: 'list' | 'read' | 'kind' | 'real' | 'link', file: string, answer: string];

type Readers = Pick<typeof fs, 'readdirSync' | 'openSync' | 'readFileSync' | 'existsSync' | 'statSync' | 'lstatSync' | 'realpathSync' | 'readlinkSync'>;
/** Readers that planning does not use but a module it loads might: any of them makes the plan one that is not kept. */
const UNRECORDED = ['readdir', 'opendir', 'opendirSync', 'readFile', 'stat', 'lstat', 'access', 'accessSync', 'open'] as const;

/** A folder's names (and kinds, when read with them), as readdirSync gave them. */
function listingDigest(entries: unknown): string {
  if (!Array.isArray(entries)) return '';
  return digest(entries.map((e: unknown) => (e instanceof fs.Dirent ? `${e.name}\0${e.isDirectory() ? 'd' : e.isFile() ? 'f' : e.isSymbolicLink() ? 'l' : 'o'}` : String(e)))).slice(0, 16);
}

/** The digest of a folder's listing read again, as the run that recorded it read it (`withTypes`). */
function listedNow(folder: string, withTypes: boolean): string {
  try {
    return listingDigest(fs.readdirSync(folder, { withFileTypes: withTypes as true }));
  } catch {
    return '';
  }
}

/** What a path is, as existsSync, statSync or lstatSync tell it; a missing one by its folder's stamp (missingStamp). */
function kindOf(file: string, follow: boolean, stamps: Stamps): string {
  const s = follow ? fs.statSync(file, { throwIfNoEntry: false }) : fs.lstatSync(file, { throwIfNoEntry: false });
  // A link to nothing: asked again (its target can appear without its folder changing).
  if (!s && follow && fs.lstatSync(file, { throwIfNoEntry: false })) return 'sm';
  if (!s) return missingStamp(file, stamps);
  return `${follow ? 's' : 'l'}${s.isFile() ? 'f' : s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : 'o'}`;
}

/** Marks a missing path's stamp (a stamp is base-36 numbers and dots: never `!`). */
const MISSING = '!';

/**
 * A missing path: `!` and its folder's stamp (no name appears in a folder without changing it), or `!` alone when
 * the folder changed just now (a busy /tmp): then the path itself is looked at again.
 */
function missingStamp(file: string, stamps: Stamps): string {
  const folder = stamps.of(path.dirname(file));
  return folder === 'racy' ? MISSING : `${MISSING}${folder}`;
}

/** Whether a path still has the stamp `recorded`: a missing one is still missing when its folder's stamp holds, or when it is looked at. */
function sameStamp(file: string, recorded: string, stamps: Stamps): boolean {
  if (!recorded.startsWith(MISSING)) return stamps.of(file) === recorded;
  return recorded === `${MISSING}${stamps.of(path.dirname(file))}` || stamps.of(file) === 'missing';
}

const realOf = (file: string): string => {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return '';
  }
};
const linkOf = (file: string): string => {
  try {
    return fs.readlinkSync(file, 'utf8');
  } catch {
    return '';
  }
};
/** A path's stamp: its own, or its folder's when it is missing. */
const stampOf = (file: string, stamps: Stamps): string => {
  const own = stamps.of(file);
  return own === 'missing' ? missingStamp(file, stamps) : own;
};
/** A file opened: its real path (whether it is inside the tree is decided on it; `=`: the path itself), and its stamp. */
const readAnswer = (file: string, stamps: Stamps): string => {
  const real = realOf(file);
  return `${real === file ? '=' : real}\0${stampOf(file, stamps)}`;
};
const sameRead = (file: string, recorded: string, stamps: Stamps): boolean => {
  const cut = recorded.indexOf('\0');
  const real = recorded.slice(0, cut);
  return (real === '=' ? file : real) === (stamps.real(file) ?? '') && sameStamp(file, recorded.slice(cut + 1), stamps);
};

/**
 * Runs `plan` with every read of node:fs recorded; `reads` is undefined when a read could not be recorded or a stamp
 * was racy (the plan is then not kept).
 */
export async function recordingReads<T>(plan: () => Promise<T>): Promise<{ value: T; reads: PlanRead[] | undefined }> {
  // dockmod's code and dependencies, which the cache's code identity covers: their reads are not the tree's.
  const own = ownCode();
  const stamps = new Stamps(false);
  const reads = new Map<string, PlanRead>();
  let complete = true;
  /** While a read is noted, the readers it calls itself are not; after the plan none is (a module may have kept a wrapper). */
  let noting = false;
  let active = true;
  const quietly = <T>(read: () => T): T => {
    noting = true;
    try {
      return read();
    } finally {
      noting = false;
    }
  };
  /** `variant`: a read of the same kind that may answer differently (lstat beside stat). */
  const note = (kind: PlanRead[0], file: unknown, answer: () => string, variant = '') => {
    if (!active || noting || (typeof file !== 'string' && !(file instanceof URL))) return; // a descriptor: its open was noted
    const full = path.resolve(file instanceof URL ? file.pathname : file);
    if (own.holds(full)) return;
    const key = `${kind}${variant}\0${full}`;
    if (!reads.has(key)) reads.set(key, [kind, full, quietly(answer)]);
  };
  const original: Readers = {
    readdirSync: fs.readdirSync,
    openSync: fs.openSync,
    readFileSync: fs.readFileSync,
    existsSync: fs.existsSync,
    statSync: fs.statSync,
    lstatSync: fs.lstatSync,
    realpathSync: fs.realpathSync,
    readlinkSync: fs.readlinkSync,
  };
  const originalNative = fs.realpathSync.native;
  const unrecorded = Object.fromEntries(UNRECORDED.map((name) => [name, fs[name]]));
  const wrap = <K extends keyof Readers>(name: K, record: (file: unknown) => void) => {
    const read = original[name] as (...args: unknown[]) => unknown;
    (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      record(args[0]);
      return read(...args);
    };
  };
  (fs as unknown as Record<string, unknown>).readdirSync = (...args: unknown[]) => {
    const [folder, options] = args;
    const before = !active || noting || reads.has(`list\0${path.resolve(String(folder))}`) ? '' : quietly(() => stampOf(String(folder), stamps));
    let entries: unknown;
    try {
      entries = (original.readdirSync as (...a: unknown[]) => unknown)(...args);
      return entries;
    } finally {
      const withTypes = typeof options === 'object' && options !== null && (options as { withFileTypes?: boolean }).withFileTypes === true;
      note('list', folder, () => `${before}\0${withTypes ? 't' : 'n'}${listingDigest(entries)}`);
    }
  };
  wrap('openSync', (f) => note('read', f, () => readAnswer(String(f), stamps)));
  wrap('readFileSync', (f) => note('read', f, () => readAnswer(String(f), stamps)));
  wrap('existsSync', (f) => note('kind', f, () => kindOf(String(f), true, stamps)));
  wrap('statSync', (f) => note('kind', f, () => kindOf(String(f), true, stamps)));
  wrap('lstatSync', (f) => note('kind', f, () => kindOf(String(f), false, stamps), 'l'));
  // The links of /proc/self/fd/ name an opened descriptor: the open was noted.
  wrap('readlinkSync', (f) => !String(f).startsWith('/proc/self/fd/') && note('link', f, () => linkOf(String(f))));
  wrap('realpathSync', (f) => note('real', f, () => realOf(String(f))));
  const native = (...args: unknown[]) => {
    note('real', args[0], () => realOf(String(args[0])));
    return (originalNative as (...a: unknown[]) => unknown)(...args);
  };
  Object.assign(fs.realpathSync, { native });
  for (const name of UNRECORDED) {
    (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (active && !noting && !own.holds(path.resolve(String(args[0])))) complete = false;
      return (unrecorded[name] as (...a: unknown[]) => unknown)(...args);
    };
  }
  try {
    const value = await plan();
    // A path missing from a folder that was listed stays missing while the folder's listing holds.
    const all = [...reads.values()].filter(([kind, file, answer]) => !(isMissing(kind, answer) && reads.has(`list\0${path.dirname(file)}`)));
    // A file read just after it changed may change again within its timestamp's tick: such a plan is made again.
    const racy = all.some(([kind, , answer]) => kind === 'read' && answer.endsWith('\0racy'));
    return { value, reads: complete && !racy ? all : undefined };
  } finally {
    active = false;
    Object.assign(fs, original, unrecorded);
    Object.assign(original.realpathSync, { native: originalNative });
  }
}

const isMissing = (kind: PlanRead[0], answer: string) => (kind === 'kind' && answer.startsWith(MISSING)) || (kind === 'read' && answer.startsWith(`\0${MISSING}`));

/** Whether every read gets the same answer now; `stamps` holds the stamps for the whole run (the results' checks share them). */
export function stillRead(reads: readonly PlanRead[], stamps: Stamps): boolean {
  return reads.every(([kind, file, answer]) => {
    switch (kind) {
      case 'list': {
        const [stamp, listing] = answer.split('\0') as [string, string];
        return (stamp !== 'racy' && sameStamp(file, stamp, stamps)) || listedNow(file, listing[0] === 't') === listing.slice(1);
      }
      case 'read':
        return sameRead(file, answer, stamps);
      case 'kind':
        return answer.startsWith(MISSING) ? sameStamp(file, answer, stamps) : kindOf(file, answer[0] === 's', stamps) === answer;
      case 'real':
        return (stamps.real(file) ?? '') === answer;
      case 'link':
        return linkOf(file) === answer;
      default:
        return false;
    }
  });
}

/** Reads as a cache file keeps them: by path, each path as the length it shares with the one before and the rest. */
export type PackedRead = [kind: PlanRead[0], shared: number, rest: string, answer: string];

export function packReads(reads: readonly PlanRead[]): PackedRead[] {
  let previous = '';
  return [...reads]
    .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([kind, file, answer]) => {
      let shared = 0;
      while (shared < previous.length && shared < file.length && previous.charCodeAt(shared) === file.charCodeAt(shared)) shared++;
      previous = file;
      return [kind, shared, file.slice(shared), answer];
    });
}

export function unpackReads(packed: readonly PackedRead[]): PlanRead[] {
  let previous = '';
  return packed.map(([kind, shared, rest, answer]) => {
    previous = previous.slice(0, shared) + rest;
    return [kind, previous, answer];
  });
}

const KINDS = new Set(['list', 'read', 'kind', 'real', 'link']);
export const isPackedRead = (r: unknown): r is PackedRead =>
  Array.isArray(r) && r.length === 4 && KINDS.has(r[0]) && Number.isInteger(r[1]) && typeof r[2] === 'string' && typeof r[3] === 'string';
