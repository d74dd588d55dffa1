// What a run read from disk to optimize one Dockerfile, so that a later run can tell whether its result still
// holds. A result depends only on the Dockerfile, the run's settings and the answers its build context got from the
// disk (DISK in context.ts); the log keeps each question asked and a digest of its answer. When every question gets
// the same answer again, the same run would take the same way to the same result: no file it looked at can be left
// out of the key, since the context asks the disk through the log alone.
//
// Asking again costs what the first run paid (a folder walked, a file read and hashed), so a question about the
// files under a path also keeps their stamps (git's index: inode, size, mtime and ctime), taken before it was
// asked: while every stamp is the same, the answer is, and it is not asked again. git's racy rule: a stamp taken
// within RACY_WINDOW of the file's last change is not kept (a change within the same timestamp tick would leave it
// as it was), and such a question is asked again. A path that was missing is stamped by its folder: no name appears
// in a folder without changing the folder's stamp.
import { createHash, hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DISK, listDirectory, type Disk } from './context.js';

export type DiskQuestion = keyof Disk;

/** One question asked of the disk, and a digest of its answer. */
export interface ReadRecord {
  question: DiskQuestion;
  args: (string | number | undefined)[];
  answer: string;
  /** The paths the answer depends on, relative to the first argument ('' for itself); a NUL before the name: a path that was missing. */
  watched?: string[];
  /** Digest of the watched paths' stamps when the answer was given; absent when one was racy. */
  stamp?: string;
}

/**
 * How long after a file's last change (its ctime, which no one can set back) its stamp is trusted: well above the
 * tick of Linux's coarse file clock (a jiffy, 1-10 ms). A file system that keeps whole seconds (FAT, HFS+, ext3)
 * gets two seconds, its own tick.
 */
const RACY_WINDOW_NS = 100_000_000n;
const COARSE_RACY_WINDOW_NS = 2_000_000_000n;
const SECOND_NS = 1_000_000_000n;
/** Marks a path that was missing: NUL, which no file name holds. */
const MISSING = '\0';

/** Path stamps: inode, size, mtime and ctime in nanoseconds; `racy` for a file changed too recently; `missing`. */
export class Stamps {
  private readonly memo: Map<string, string> | undefined;
  private readonly now = BigInt(Date.now()) * 1_000_000n;
  private readonly reals = new Map<string, string | undefined>();

  /** `memo`: each path is stamped once (a run checking what earlier runs read); else each time it is asked. */
  constructor(memo: boolean) {
    this.memo = memo ? new Map() : undefined;
  }

  of(file: string): string {
    let stamp = this.memo?.get(file);
    if (stamp === undefined) {
      stamp = this.take(file);
      this.memo?.set(file, stamp);
    }
    return stamp;
  }

  /** The stamp of a watched path: a missing one by its folder's, without asking for the path itself. */
  ofWatched(root: string, watched: string): string {
    if (watched.startsWith(MISSING)) return `${MISSING}${this.of(path.dirname(path.join(root, watched.slice(1))))}`;
    return this.of(watched ? path.join(root, watched) : root);
  }

  /** How a path is watched, and its stamp now: its name, or NUL and its name when it is missing (then its folder is stamped). */
  watch(root: string, file: string): { watched: string; stamp: string } {
    const rel = file === root ? '' : path.relative(root, file);
    const stamp = this.of(file);
    return stamp === 'missing' ? { watched: `${MISSING}${rel}`, stamp: `${MISSING}${this.of(path.dirname(file))}` } : { watched: rel, stamp };
  }

  private take(file: string): string {
    const s = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
    // A link to nothing is not missing from its folder: its target can appear without the folder changing.
    if (!s) return fs.lstatSync(file, { throwIfNoEntry: false }) ? 'racy' : 'missing';
    const window = s.ctimeNs % SECOND_NS === 0n && s.mtimeNs % SECOND_NS === 0n ? COARSE_RACY_WINDOW_NS : RACY_WINDOW_NS;
    if (s.ctimeNs > this.now - window || s.mtimeNs > this.now - window) return 'racy';
    return [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].map((n) => n.toString(36)).join('.');
  }

  /**
   * The path with every link resolved, as realpath(3) gives it; undefined when it cannot be. Memoized, a path that is
   * not a link is its real folder's and its name: one lstat, not a readlink of each of its folders.
   */
  real(file: string): string | undefined {
    if (!this.memo) return DISK.realPath(file);
    if (this.reals.has(file)) return this.reals.get(file);
    const parent = path.dirname(file);
    const s = fs.lstatSync(file, { throwIfNoEntry: false });
    const folder = s && !s.isSymbolicLink() && parent !== file ? this.real(parent) : undefined;
    const real = folder === undefined ? DISK.realPath(file) : path.join(folder, path.basename(file));
    this.reals.set(file, real);
    return real;
  }

  /** Digest of `watched`'s stamps now, or undefined when one is racy. */
  stampOf(root: string, watched: readonly string[], resolved: boolean): string | undefined {
    return stampDigest(
      watched.map((w) => this.ofWatched(root, w)),
      resolved ? this.real(root) : undefined,
    );
  }
}

/** Whether a file read is inside its context is decided on its real path (`real`): a link moved keeps the target's stamp. */
function stampDigest(stamps: string[], real: string | undefined): string | undefined {
  return stamps.includes('racy') || stamps.includes(`${MISSING}racy`) ? undefined : digest([stamps, real ?? null]);
}

/** A digest of a value: bytes as they are, anything else as its JSON. */
export function digest(value: unknown): string {
  if (Buffer.isBuffer(value)) return createHash('sha1').update('b').update(value).digest('base64url');
  // The one-shot hash: a second run checks tens of thousands of small answers, and makes no Hash object for each.
  return hash('sha1', value === undefined ? 'u' : `j${JSON.stringify(value)}`, 'base64url');
}

/** The paths a question's answer depends on, stamped before it is asked; none: asked again (a cheap question). */
const WATCHED: Partial<Record<DiskQuestion, { resolved: boolean }>> = {
  isFile: { resolved: false },
  readInside: { resolved: true },
  listDirectory: { resolved: false },
};

/** Records every question its `disk` is asked (each once) with its answer's digest and, when not racy, the stamps of what it read. */
export class ReadLog {
  private readonly asked = new Map<string, ReadRecord>();
  private readonly stamps = new Stamps(false);
  readonly disk: Disk;

  constructor() {
    const disk: Record<string, (...args: never[]) => unknown> = {};
    for (const [question, ask] of Object.entries(DISK) as [DiskQuestion, (...args: unknown[]) => unknown][]) {
      disk[question] = (...args: (string | number | undefined)[]) => {
        const key = JSON.stringify([question, args]);
        if (this.asked.has(key)) return ask(...args);
        const root = args[0] as string;
        const watch = WATCHED[question];
        // Each path is stamped before it is read, so a change while it is read shows in the next run's stamps.
        const watched: { watched: string; stamp: string }[] = [];
        const real = watch?.resolved ? this.stamps.real(root) : undefined;
        let answer: unknown;
        if (question === 'listDirectory') answer = listDirectory(root, (folder) => watched.push(this.stamps.watch(root, folder)));
        else {
          if (watch) watched.push(this.stamps.watch(root, root));
          answer = ask(...args);
        }
        const stamp = watch && stampDigest(watched.map((w) => w.stamp), real);
        this.asked.set(key, { question, args, answer: digest(answer), ...(stamp !== undefined && { watched: watched.map((w) => w.watched), stamp }) });
        return answer;
      };
    }
    this.disk = disk as unknown as Disk;
  }

  records(): ReadRecord[] {
    return [...this.asked.values()];
  }
}

/**
 * Whether every recorded question gets the same answer from the disk now: a stamped one when its paths' stamps
 * are unchanged (`stamps` holds them for the whole check), any other asked again.
 */
export function stillAnswered(records: readonly ReadRecord[], stamps: Stamps): boolean {
  // An argument left out was stored as null by JSON.
  const ask = (r: ReadRecord) => (DISK[r.question] as (...args: unknown[]) => unknown)(...r.args.map((a) => a ?? undefined));
  return records.every((r) => {
    if (!Object.hasOwn(DISK, r.question)) return false;
    // Resolved through the run's memo of real paths: the same answer as DISK's, for one lstat.
    if (r.question === 'realPath') return digest(stamps.real(r.args[0] as string)) === r.answer;
    if (r.question === 'realFolder') return digest(stamps.real(r.args[0] as string) ?? path.resolve(r.args[0] as string)) === r.answer;
    const watch = WATCHED[r.question];
    if (watch && r.watched && r.stamp !== undefined && stamps.stampOf(r.args[0] as string, r.watched, watch.resolved) === r.stamp) return true;
    return digest(ask(r)) === r.answer;
  });
}
