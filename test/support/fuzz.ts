// The fuzz harness shared by test/fuzz.test.ts (bounded, in CI) and scripts/fuzz.mjs (npm run fuzz): seed
// files, the properties every mutated input must keep, and a shrinker that turns a failure into a small input.
import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { optimize } from '../../src/index.js';
import { parseDockerfile } from '../../src/input/process.js';
import { InputError, textSource } from '../../src/input/read.js';
import { directoryContext, withWrites } from '../../src/contexts/context.js';
import type { AppliedChange, BuildContext, OptimizeOptions, OptimizeResult, Removal } from '../../src/engine/types.js';
import { parseRegression, untouchedLineMissing } from './properties.js';
import { convert, NotConvertible, VARIANTS, type Variant } from './variants.js';
import { applyMutations, caseSeed, randomMutations, seededRng, splitLines, type Mutation } from './mutate.js';

/** A Dockerfile to mutate, with its build context. */
export interface SeedFile {
  id: string;
  file: string;
  bytes: Buffer;
  context: BuildContext;
}

/**
 * Every `Dockerfile` directly inside each case folder of `roots` (corpus cases, transform fixtures), and each
 * fixture's CRLF and backtick-escape variants, as the fixture runner derives them.
 */
export function loadSeeds(caseDirs: { id: string; dir: string }[]): SeedFile[] {
  return caseDirs.flatMap(({ id, dir }) => {
    const file = path.join(dir, 'Dockerfile');
    if (!fs.existsSync(file)) return [];
    const bytes = fs.readFileSync(file);
    const context = directoryContext(dir, file);
    const variants = id.startsWith(FIXTURE) ? VARIANTS.flatMap((v) => variantSeed(bytes, v).map((b) => ({ id: `${id} (${v})`, file, bytes: b, context }))) : [];
    return [{ id, file, bytes, context }, ...variants];
  });
}

/** The fixture's text converted to `variant`, when it converts (and is not written that way already). */
function variantSeed(bytes: Buffer, variant: Variant): Buffer[] {
  try {
    const text = convert(bytes.toString('utf8'), variant);
    return text === undefined ? [] : [Buffer.from(text, 'utf8')];
  } catch (error) {
    if (error instanceof NotConvertible) return [];
    throw error;
  }
}

const FIXTURE = 'fixture:';

/** The transform fixtures: small files made to trigger every transform, so changes happen often. */
export function fixtureCases(root: string): { id: string; dir: string }[] {
  const fixtures = path.join(root, 'test', 'fixtures');
  return fs.readdirSync(fixtures).sort().flatMap((t) =>
    fs.readdirSync(path.join(fixtures, t)).sort().map((c) => ({ id: `${FIXTURE}${t}/${c}`, dir: path.join(fixtures, t, c) })),
  );
}

export const PROPERTIES = ['crash', 'output-not-accepted', 'output-does-not-parse', 'not-idempotent', 'untouched-line-changed', 'comment-lost', 'shell-word-lost'] as const;
export type Property = (typeof PROPERTIES)[number];

export type Verdict =
  /** A clear per-file refusal (InputError): not a failure. */
  | { kind: 'refused'; reason: string }
  | { kind: 'unchanged' }
  | { kind: 'changed' }
  | { kind: 'failure'; property: Property; detail: string };


/** Runs one input the way the CLI does (decode, optimize) and checks every property of the result. */
export function checkInput(bytes: Buffer, context: BuildContext, options: Pick<OptimizeOptions, 'unsafe' | 'transforms'>): Verdict {
  let before: string;
  let result: OptimizeResult;
  try {
    before = parseDockerfile({ file: 'fuzz', bytes, stat: undefined }).text;
  } catch (error) {
    if (error instanceof InputError) return { kind: 'refused', reason: error.message.replace(/'.*'/s, "'…'").replace(/\bline \d+/g, 'line N') };
    return { kind: 'failure', property: 'crash', detail: `while reading: ${(error as Error).stack}` };
  }
  try {
    result = optimize(before, { ...options, context });
  } catch (error) {
    return { kind: 'failure', property: 'crash', detail: (error as Error & { cause?: Error }).cause?.stack ?? (error as Error).stack ?? String(error) };
  }
  if (result.text === before && !result.files.length) return { kind: 'unchanged' };
  const fail = (property: Property, detail: string): Verdict => ({ kind: 'failure', property, detail });
  try {
    parseDockerfile(textSource('output', result.text));
  } catch (error) {
    return fail('output-not-accepted', (error as Error).message);
  }
  const regression = parseRegression(before, result.text);
  if (regression) return fail('output-does-not-parse', regression);
  let again: OptimizeResult;
  try {
    again = optimize(result.text, { ...options, context: withWrites(context, result.files) });
  } catch (error) {
    return fail('crash', `on the second run: ${(error as Error).message}`);
  }
  if (again.text !== result.text) return fail('not-idempotent', `second run: ${again.changes.map((c) => `${c.transform}: ${c.message}`).join('; ')}`);
  if (again.files.some((f) => result.files.find((g) => g.path === f.path)?.text !== f.text)) return fail('not-idempotent', 'second run rewrites a context file');
  const untouched = untouchedLineMissing(before, result);
  if (untouched) return fail('untouched-line-changed', untouched);
  const lost = missing(inventory(before), inventory(result.text), declaredGone(result.changes));
  if (lost.comments.length) return fail('comment-lost', JSON.stringify(lost.comments));
  if (lost.words.length) return fail('shell-word-lost', JSON.stringify(lost.words));
  return { kind: 'changed' };
}

/** A comment or a shell word, with the 1-based line it stands on. */
export interface Item {
  line: number;
  text: string;
}

export interface Inventory {
  comments: Item[];
  /** Words of RUN instructions (shell form, heredoc bodies, exec-form strings), without the RUN's flags. */
  words: Item[];
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
// BuildKit takes a heredoc only from a shell word that starts with `<<` (its ParseHeredoc on each word of the
// line): `'x'<<EOF` or `cat<<EOF` glued to what comes before open none.
const HEREDOC = /(?<=^|\s)<<-?\s*(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1/g;
const SHELL_SPLIT = /\s+|&&|\|\||;|\||&|\(|\)/;

/**
 * Comments and shell words of a Dockerfile, read line by line without dockmod's parsers (an independent count):
 * parser directives and `#` lines are comments, wherever they stand, and so is a shell comment after a command.
 */
export function inventory(text: string): Inventory {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const comments: Item[] = [];
  const words: Item[] = [];
  let escape = '\\';
  let i = 0;
  for (; i < lines.length && DIRECTIVE.test(lines[i]!); i++) {
    const [, name, value] = DIRECTIVE.exec(lines[i]!)!;
    if (name!.toLowerCase() === 'escape' && (value === '`' || value === '\\')) escape = value;
    comments.push({ line: i + 1, text: lines[i]!.trim() });
  }
  const continues = (line: string) => line.trimEnd().endsWith(escape);
  /**
   * Words and shell comments of consecutive pieces of one shell line. Docker joins continued lines before the
   * shell sees them, so a comment runs on through every piece after the one where it starts.
   */
  const shellWords = (pieces: { line: number; text: string }[]) => {
    let comment: Item | undefined;
    // A quote left open at the end of a piece goes on in the next one, and a `#` inside quotes is text.
    let quote = '';
    const commentStart = (text: string): number => {
      for (let k = 0; k < text.length; k++) {
        const c = text[k]!;
        if (quote) {
          if (c === quote) quote = '';
          else if (c === '\\' && quote === '"') k++;
        } else if (c === "'" || c === '"') quote = c;
        else if (c === '\\') k++;
        // As bash reads it: `#` opens a comment at the start of a word, after a blank or a metacharacter only (not after
        // U+2028 or a no-break space, which JavaScript's \s counts as white space).
        else if (c === '#' && (k === 0 || /[ \t\n;&|()<>]/.test(text[k - 1]!))) return k;
      }
      return -1;
    };
    for (const { line, text } of pieces) {
      if (comment) {
        comment.text += text;
        continue;
      }
      const hash = commentStart(text);
      const code = hash >= 0 ? text.slice(0, hash) : text;
      for (const w of code.split(SHELL_SPLIT)) if (w) words.push({ line, text: w });
      if (hash >= 0) comment = { line, text: text.slice(hash) };
    }
    if (comment) comments.push({ line: comment.line, text: comment.text.trim() });
  };
  /** Words of a RUN's own lines: exec-form strings, or shell words after the RUN's flags. */
  const runWords = (parts: { line: number; text: string }[]) => {
    const joined = parts.map((p) => ({ line: p.line, text: continues(p.text) ? p.text.trimEnd().slice(0, -1) : p.text }));
    joined[0]!.text = joined[0]!.text.replace(/^\s*run/i, '');
    const exec = runExecForm(joined.map((p) => p.text).join(' '));
    if (exec) {
      for (const w of exec) words.push({ line: parts[0]!.line, text: w });
      return;
    }
    // The RUN's own flags (--mount=...) are not shell: two RUNs merged share them.
    let flags = true;
    shellWords(
      joined.map((p) => {
        const text = flags ? p.text.replace(/^(\s*--\S+)*/, '') : p.text;
        if (text.trim()) flags = false;
        return { line: p.line, text };
      }),
    );
  };
  while (i < lines.length) {
    const first = lines[i]!;
    i++;
    if (/^\s*(#|$)/.test(first)) {
      if (first.trim()) comments.push({ line: i, text: first.trim() });
      continue;
    }
    // One instruction: its first line, continuation lines (comment and blank lines among them skipped), heredocs.
    const parts = [{ line: i, text: first }];
    for (let last = first; continues(last) && i < lines.length; i++) {
      const next = lines[i]!;
      if (/^\s*#/.test(next)) comments.push({ line: i + 1, text: next.trim() });
      else if (next.trim()) {
        parts.push({ line: i + 1, text: next });
        last = next;
      }
    }
    const isRun = /^\s*run(\s|$)/i.test(first);
    if (isRun) runWords(parts);
    // Heredoc bodies follow the instruction; a RUN's are shell.
    const heredocs = [...parts.map((p) => p.text).join('\n').matchAll(HEREDOC)].map((m) => ({ name: m[2]!, strip: m[0].startsWith('<<-') }));
    for (const h of heredocs) {
      for (; i < lines.length; i++) {
        const line = lines[i]!;
        if ((h.strip ? line.replace(/^\t+/, '') : line) === h.name) {
          i++;
          break;
        }
        if (isRun) shellWords([{ line: i + 1, text: line }]);
      }
    }
  }
  return { comments, words };
}

function runExecForm(args: string): string[] | null {
  const trimmed = args.trim().replace(/^(--\S+\s+)*/, '');
  if (!trimmed.startsWith('[')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}

/** The words of a declared removal, split as the inventory splits a shell line. */
const wordsOf = (text: string): string[] => text.split(SHELL_SPLIT).filter(Boolean);

/** Whether `removal` takes away the item: a word of its text (an instruction's keyword aside), or the comment. */
function takesAway(removal: Removal, item: Item, kind: 'comment' | 'word'): boolean {
  if (removal.moved) return false;
  if (kind === 'word') return removal.kind !== 'comment' && wordsOf(removal.kind === 'instruction' ? removal.text.replace(/^\s*\S+/, '') : removal.text).includes(item.text);
  return removal.kind === 'comment' ? removal.text.trim() === item.text : removal.kind === 'instruction' && removal.text.includes(item.text);
}

/**
 * Whether a change declares that it takes an item away: it edited the item's line, and its `removes` names the
 * word (in a `words` or `instruction` removal) or the comment (a `comment` removal, or inside an `instruction`
 * one). What is declared moved must still be there, and what the change's message says plays no part.
 */
export const declaredGone =
  (changes: AppliedChange[]) =>
  (item: Item, kind: 'comment' | 'word'): boolean =>
    changes.some((c) => c.edited.some((e) => e.start <= item.line && item.line <= e.end) && (c.removes ?? []).some((r) => takesAway(r, item, kind)));

/** Items of `before` that `after` lacks (as a multiset), except those a change declares it took away. */
export function missing(before: Inventory, after: Inventory, mayGo: (item: Item, kind: 'comment' | 'word') => boolean): { comments: string[]; words: string[] } {
  const lacks = (from: Item[], to: Item[], kind: 'comment' | 'word') => {
    const have = new Map<string, number>();
    for (const item of to) have.set(item.text, (have.get(item.text) ?? 0) + 1);
    const out: string[] = [];
    // Items that must stay are matched first, so one that may go never takes the place of one that must stay.
    const ordered = [...from.filter((i) => !mayGo(i, kind)), ...from.filter((i) => mayGo(i, kind))];
    for (const item of ordered) {
      const n = have.get(item.text) ?? 0;
      if (n > 0) have.set(item.text, n - 1);
      else if (!mayGo(item, kind)) out.push(`line ${item.line}: ${item.text}`);
    }
    return out;
  };
  return { comments: lacks(before.comments, after.comments, 'comment'), words: lacks(before.words, after.words, 'word') };
}

/** One fuzz case: which seed file, which mutations, whether unsafe changes are on. */
export interface FuzzCase {
  index: number;
  seed: SeedFile;
  mutations: Mutation[];
  unsafe: boolean;
  input: Buffer;
}

export function makeCase(seeds: SeedFile[], runSeed: number, index: number): FuzzCase {
  const rng = seededRng(caseSeed(runSeed, index));
  // Half the cases start from a transform fixture, where changes happen; half from real Dockerfiles.
  const fixtures = seeds.filter((s) => s.id.startsWith(FIXTURE));
  const seed = rng.pick(fixtures.length && rng.chance(0.5) ? fixtures : seeds);
  const mutations = randomMutations(rng, splitLines(seed.bytes).length, seed.bytes.length);
  return { index, seed, mutations, unsafe: rng.chance(0.5), input: applyMutations(seed.bytes, mutations) };
}

/**
 * The smallest input (by whole lines, then by bytes within the lines left) that fails the same property:
 * chunks of lines are dropped while the failure stays, halving the chunk size down to one line.
 */
export function shrink(input: Buffer, stillFails: (candidate: Buffer) => boolean, budget = 2000): Buffer {
  let lines = splitLines(input);
  let tries = 0;
  for (let chunk = Math.max(1, lines.length >> 1); chunk >= 1 && tries < budget; chunk >>= 1) {
    for (let at = 0; at < lines.length && tries < budget; ) {
      const candidate = [...lines.slice(0, at), ...lines.slice(at + chunk)];
      tries++;
      if (candidate.length && stillFails(Buffer.concat(candidate))) lines = candidate;
      else at += chunk;
    }
  }
  return Buffer.concat(lines);
}

export interface Tally {
  cases: number;
  verdicts: Record<string, number>;
  refusals: Record<string, number>;
  failures: Record<string, number>;
  mutations: Record<string, number>;
  /** The first failure of each property, shrunk. */
  examples: Record<string, { index: number; seedFile: string; mutations: Mutation[]; unsafe: boolean; detail: string; minimal: string }>;
}

export const emptyTally = (): Tally => ({ cases: 0, verdicts: {}, refusals: {}, failures: {}, mutations: {}, examples: {} });

const bump = (counts: Record<string, number>, key: string, by = 1) => (counts[key] = (counts[key] ?? 0) + by);

/** Runs case `index` of the run seeded `runSeed` and adds it to `tally`. */
export function runCase(seeds: SeedFile[], runSeed: number, index: number, tally: Tally): Verdict {
  const c = makeCase(seeds, runSeed, index);
  const verdict = checkInput(c.input, c.seed.context, { unsafe: c.unsafe });
  tally.cases++;
  for (const m of c.mutations) bump(tally.mutations, m.op);
  bump(tally.verdicts, verdict.kind);
  if (verdict.kind === 'refused') bump(tally.refusals, verdict.reason);
  if (verdict.kind === 'failure') {
    bump(tally.failures, verdict.property);
    if (!tally.examples[verdict.property]) {
      const same = (b: Buffer) => {
        const v = checkInput(b, c.seed.context, { unsafe: c.unsafe });
        return v.kind === 'failure' && v.property === verdict.property;
      };
      tally.examples[verdict.property] = {
        index,
        seedFile: c.seed.id,
        mutations: c.mutations,
        unsafe: c.unsafe,
        detail: verdict.detail.split('\n').slice(0, 6).join('\n'),
        minimal: printable(shrink(c.input, same)),
      };
    }
  }
  return verdict;
}

/** Bytes as a JSON string when they are UTF-8, else as base64. */
const printable = (bytes: Buffer): string => (isUtf8(bytes) ? JSON.stringify(bytes.toString('utf8')) : `base64:${bytes.toString('base64')}`);

export function mergeTallies(into: Tally, from: Tally): Tally {
  into.cases += from.cases;
  for (const key of ['verdicts', 'refusals', 'failures', 'mutations'] as const) for (const [k, n] of Object.entries(from[key])) bump(into[key], k, n);
  for (const [k, v] of Object.entries(from.examples)) if (!into.examples[k] || v.index < into.examples[k]!.index) into.examples[k] = v;
  return into;
}

/** The tally as the report a person reads. */
export function formatTally(t: Tally, seed: number): string {
  const rows = (counts: Record<string, number>) => Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(7)}  ${k}`);
  const out = [`fuzz seed ${seed}: ${t.cases} cases`, 'verdicts:', ...rows(t.verdicts), 'mutations applied:', ...rows(t.mutations), 'refusals (clear per-file errors):', ...rows(t.refusals)];
  out.push('property failures:', ...(Object.keys(t.failures).length ? rows(t.failures) : ['        0  (none)']));
  for (const [property, e] of Object.entries(t.examples)) {
    out.push(
      `--- first ${property}: case ${e.index} (replay: FUZZ_SEED=${seed} FUZZ_CASE=${e.index}), seed file ${e.seedFile}, unsafe ${e.unsafe}`,
      `mutations: ${JSON.stringify(e.mutations)}`,
      e.detail,
      'minimal input:',
      e.minimal,
    );
  }
  return out.join('\n');
}
