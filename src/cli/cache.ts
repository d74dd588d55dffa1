// The results cache (--cache): a file's result from an earlier run is reused when nothing that decides it has
// changed. What decides it: dockmod's own code (and its dependencies, Node, the platform), the job (the Dockerfile's
// path, its build contexts as compose, bake or --context chose them, the Dockerfiles sharing its ignore file, the
// resolved settings and transforms, --unsafe, the contents of custom transform modules), the Dockerfile's bytes, and
// every answer its build contexts got from the disk (src/contexts/reads.ts), asked again. A cache file that is not
// whole, not ours or not for this code is ignored and rewritten; it is written to a temp file and renamed, so a
// reader never sees half of one, and two runs at once leave one whole file (the later one's).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { digest, Stamps, stillAnswered, type ReadRecord } from '../contexts/reads.js';
import { readDockerfile } from '../input/read.js';
import type { FileResult } from '../input/process.js';
import type { FileJob, JobOutcome, JobReads } from './jobs.js';
import type { Plan, PlanOptions } from './plan.js';
import { isPackedRead, packReads, recordingReads, stillRead, unpackReads, type PackedRead } from './plan-reads.js';
import { isRecord } from '../engine/is-record.js';
import { ownCode } from './own-code.js';

/** Bumped when the file's layout changes. */
const FORMAT = 2;
const CACHE_FILE = 'results.json';

/**
 * Where the cache lives when no --cache-location is given: `node_modules/.cache/dockmod/` in the nearest folder at
 * or above `cwd` that has a node_modules folder (the place ESLint, Prettier, Babel and AVA keep theirs: ignored by
 * git in JavaScript projects, and gone with `rm -rf node_modules`), else the user's cache folder (XDG_CACHE_HOME or
 * ~/.cache, ~/Library/Caches, %LOCALAPPDATA%), never the repository, where it could be committed; one file there
 * per working folder.
 */
export function defaultCacheLocation(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.statSync(path.join(dir, 'node_modules'), { throwIfNoEntry: false })?.isDirectory()) return path.join(dir, 'node_modules', '.cache', 'dockmod', CACHE_FILE);
    if (dir === path.dirname(dir)) break;
  }
  const id = createHash('sha1').update(path.resolve(cwd)).digest('hex').slice(0, 16);
  return path.join(userCacheFolder(), 'dockmod', `results-${id}.json`);
}

function userCacheFolder(): string {
  const home = os.homedir();
  if (process.platform === 'win32') return process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches');
  const xdg = process.env.XDG_CACHE_HOME;
  return xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache');
}

/**
 * A result as kept: without the Dockerfile's text and stamp, which come from the file as read now; its new text as
 * what it changes of the old (the lengths kept at the start and the end, and the text between), null when none.
 */
type KeptResult = Omit<FileResult, 'before' | 'after' | 'stat'> & { after: [head: number, tail: number, middle: string] | null };

/** `after` as the change it makes to `before`. */
function changeOf(before: string, after: string): KeptResult['after'] {
  if (after === before) return null;
  const most = Math.min(before.length, after.length);
  let head = 0;
  while (head < most && before.charCodeAt(head) === after.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < most - head && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return [head, tail, after.slice(head, after.length - tail)];
}

function applyChange(before: string, change: KeptResult['after']): string {
  if (!change) return before;
  const [head, tail, middle] = change;
  return before.slice(0, head) + middle + before.slice(before.length - tail);
}

interface Entry {
  /** Digest of the job: everything that decides its result but the files. */
  job: string;
  /** Digest of the Dockerfile's bytes. */
  source: string;
  reads: ReadRecord[];
  result: KeptResult;
}

/** A run's plan with what planning read (plan-reads.ts), kept under the digest of the options it was made with. */
interface KeptPlan {
  plan: Plan;
  reads: PackedRead[];
}

/** The file's body: the plans kept, and the results by Dockerfile. */
interface Body {
  plans: Record<string, KeptPlan>;
  results: Record<string, Entry>;
}

const RESULT_LISTS = ['extra', 'changes', 'skips', 'heldBack', 'refused'] as const;

/** An entry as this code writes one; anything else in the file is not used. */
function isEntry(v: unknown): v is Entry {
  if (!isRecord(v) || typeof v.job !== 'string' || typeof v.source !== 'string' || !Array.isArray(v.reads) || !isRecord(v.result)) return false;
  const r = v.result;
  return (
    typeof r.file === 'string' &&
    (r.after === null || (Array.isArray(r.after) && typeof r.after[0] === 'number' && typeof r.after[1] === 'number' && typeof r.after[2] === 'string')) &&
    RESULT_LISTS.every((k) => Array.isArray(r[k])) &&
    isRecord(r.summaries) &&
    isRecord(r.docs) &&
    v.reads.every((x) => isRecord(x) && typeof x.question === 'string' && Array.isArray(x.args) && typeof x.answer === 'string')
  );
}

/**
 * What dockmod's results depend on besides their inputs: its code as it is on disk (every module of its src/ and
 * transforms/, so a rebuild without a new version number counts too), its package.json, the versions of the
 * packages it depends on as installed (own-code.ts), Node's version and the platform.
 */
function codeIdentity(): string {
  const hash = createHash('sha1').update(`${process.version}\0${process.platform}\0`);
  // This module is <code>/src/cli/cache.{js,ts}: <code> is dist/ when built, the repository when run from source.
  const code = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const hashTree = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) hashTree(full);
      else if (/\.(js|ts|json|wasm)$/.test(entry.name)) hash.update(`${path.relative(code, full)}\0`).update(fs.readFileSync(full));
    }
  };
  for (const dir of ['src', 'transforms']) if (fs.existsSync(path.join(code, dir))) hashTree(path.join(code, dir));
  const { root, packages } = ownCode();
  hash.update(fs.readFileSync(path.join(root, 'package.json')));
  for (const { name, version } of packages.slice(1)) hash.update(`\0${name}@${version}`);
  return hash.digest('base64url');
}

function isKeptPlan(v: unknown): v is KeptPlan {
  return isRecord(v) && isRecord(v.plan) && Array.isArray(v.plan.jobs) && Array.isArray(v.reads) && v.reads.every(isPackedRead);
}

/** The cache of one run: the entries read from the file, those this run made, and how many results it gave. */
export class ResultCache {
  private readonly entries: Map<string, Entry>;
  private readonly made = new Map<string, Entry>();
  private readonly plans: Map<string, KeptPlan>;
  private madePlan: [string, KeptPlan] | undefined;
  /** Whether the run's plan came from the cache. */
  planReused = false;
  private readonly moduleDigests = new Map<string, string>();
  private loadedStamp: string | undefined;
  /** The stamps of the paths earlier runs read, each taken once in this run. */
  readonly stamps = new Stamps(true);
  reused = 0;
  looked = 0;

  private constructor(readonly location: string, private readonly code: string) {
    const loaded = this.read();
    this.entries = loaded.entries;
    this.plans = loaded.plans;
    this.loadedStamp = loaded.stamp;
  }

  static open(location: string): ResultCache {
    return new ResultCache(location, codeIdentity());
  }

  /** Whether the cache file holds anything (before it is read: the worker pool is not started ahead when it may not be needed). */
  static mayHoldResults(location: string): boolean {
    return (fs.statSync(location, { throwIfNoEntry: false })?.size ?? 0) > 0;
  }

  /** The file's entries when it is whole and made by this code; none otherwise. Layout: a header line, then the body it names the digest of. */
  private read(): { entries: Map<string, Entry>; plans: Map<string, KeptPlan>; stamp: string | undefined } {
    const none = (stamp: string | undefined) => ({ entries: new Map(), plans: new Map(), stamp });
    let text: string;
    try {
      text = fs.readFileSync(this.location, 'utf8');
    } catch {
      return none(undefined);
    }
    const stamp = fileStamp(this.location);
    const newline = text.indexOf('\n');
    try {
      const header = JSON.parse(text.slice(0, newline)) as unknown;
      const body = text.slice(newline + 1);
      if (newline < 0 || !isRecord(header) || header.format !== FORMAT || header.code !== this.code || header.body !== digest(body)) return none(stamp);
      const parsed = JSON.parse(body) as unknown;
      if (!isRecord(parsed) || !isRecord(parsed.results) || !isRecord(parsed.plans)) return none(stamp);
      return {
        entries: new Map(Object.entries(parsed.results).filter((e): e is [string, Entry] => isEntry(e[1]))),
        plans: new Map(Object.entries(parsed.plans).filter((e): e is [string, KeptPlan] => isKeptPlan(e[1]))),
        stamp,
      };
    } catch {
      return none(stamp);
    }
  }

  /**
   * The plan of a run over the tree: the kept one when every read that made it gets the same answer now, else
   * `compute`'s, recorded. A plan that loaded custom transform modules (resolved and checked by Node's loader, which
   * the record does not see) is not kept; nor one for standard input or a named Dockerfile.
   */
  async plan(options: PlanOptions, compute: () => Promise<Plan>): Promise<Plan> {
    if (options.stdin || options.dockerfile !== undefined) return compute();
    const { paths, cwd, only, skip, unsafe, contextDir, transformModules, transformTimeoutMs, gitignore } = options;
    const key = digest([paths, path.resolve(cwd), only ?? null, skip ?? null, Boolean(unsafe), contextDir ?? null, transformModules ?? [], transformTimeoutMs ?? null, gitignore ?? true]);
    const kept = this.plans.get(key);
    if (kept && stillRead(unpackReads(kept.reads), this.stamps)) {
      this.planReused = true;
      return kept.plan;
    }
    const { value, reads } = await recordingReads(compute);
    if (reads && !value.jobs.some((job) => job.transforms.length)) this.madePlan = [key, { plan: value, reads: packReads(reads) }];
    return value;
  }

  /** Digest of everything of the job that decides its result, but the files it reads. */
  private jobDigest(job: FileJob): string {
    const modules = job.transforms.map((m) => {
      let d = this.moduleDigests.get(m);
      if (d === undefined) {
        d = fs.existsSync(m) ? digest(fs.readFileSync(m)) : 'missing';
        this.moduleDigests.set(m, d);
      }
      return [m, d];
    });
    return digest([job.file, job.contexts ?? null, Boolean(job.contextGiven), job.runFolder ?? null, job.builtWith ?? null, job.only ?? null, job.skip ?? null, Boolean(job.unsafe), modules, job.transformTimeoutMs ?? null, job.inline ?? null]);
  }

  /** The kept result of `job` when its Dockerfile, its job and every answer its contexts got are as they were; undefined otherwise. */
  lookup(job: FileJob): FileResult | undefined {
    this.looked++;
    if (job.text !== undefined) return undefined;
    const entry = this.entries.get(job.file);
    if (!entry || entry.job !== this.jobDigest(job)) return undefined;
    let source;
    try {
      source = readDockerfile(job.file);
    } catch {
      return undefined; // the job reports why it cannot be read
    }
    if (digest(source.bytes) !== entry.source || !stillAnswered(entry.reads, this.stamps)) return undefined;
    this.reused++;
    // Valid UTF-8 (a kept result had it) decodes the same, BOM kept, as decodeDockerfile decodes it.
    const before = source.bytes.toString('utf8');
    return { ...entry.result, before, after: applyChange(before, entry.result.after), stat: source.stat };
  }

  /** Keeps an outcome that says what it read; an error, or a result that would not come again, is not kept. */
  store(job: FileJob, outcome: JobOutcome): void {
    if (!('result' in outcome) || !outcome.reads || job.text !== undefined) return;
    const { before, after, stat: _stat, ...rest } = outcome.result;
    const reads: JobReads = outcome.reads;
    this.made.set(job.file, { job: this.jobDigest(job), source: reads.source, reads: reads.records, result: { ...rest, after: changeOf(before, after) } });
  }

  /**
   * Writes the entries kept and made (when this run made any) to a temp file beside the cache file, then renames it
   * over. A cache file another run wrote meanwhile is read again first and its entries kept under this run's.
   * Returns why it could not be written, or undefined.
   */
  save(): string | undefined {
    if (!this.made.size && !this.madePlan) return undefined;
    const base = fileStamp(this.location) === this.loadedStamp ? { entries: this.entries, plans: this.plans } : this.read();
    const plans = new Map(base.plans);
    if (this.madePlan) plans.set(...this.madePlan);
    const kept: Body = { plans: Object.fromEntries(plans), results: Object.fromEntries([...base.entries, ...this.made]) };
    const body = JSON.stringify(kept);
    const header = JSON.stringify({ format: FORMAT, code: this.code, body: digest(body) });
    const temp = `${this.location}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.location), { recursive: true });
      fs.writeFileSync(temp, `${header}\n${body}`);
      fs.renameSync(temp, this.location);
      return undefined;
    } catch (error) {
      fs.rmSync(temp, { force: true });
      return (error as Error).message;
    }
  }
}

const fileStamp = (file: string): string | undefined => {
  const s = fs.statSync(file, { throwIfNoEntry: false, bigint: true });
  return s && `${s.ino}:${s.size}:${s.mtimeNs}`;
};

/**
 * The outcomes of `jobs` in their order: a kept result where the cache has one, else what `compute` gives for the
 * jobs left (asked to say what they read, and kept). `onReused` is told of each result the cache gave.
 */
export async function* withCache(jobs: FileJob[], cache: ResultCache, compute: (jobs: FileJob[]) => AsyncGenerator<JobOutcome>, onReused?: () => void): AsyncGenerator<JobOutcome> {
  const kept = jobs.map((job) => cache.lookup(job));
  const computed = compute(jobs.filter((_, i) => !kept[i]).map((job) => ({ ...job, recordReads: true })));
  try {
    for (const [i, job] of jobs.entries()) {
      const result = kept[i];
      if (result) {
        onReused?.();
        yield { file: job.file, result };
        continue;
      }
      const next = await computed.next();
      if (next.done) return;
      cache.store(job, next.value);
      yield next.value;
    }
  } finally {
    await computed.return(undefined);
  }
}
