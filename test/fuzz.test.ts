// Property and fuzz tests: corpus files and transform fixtures, mutated (lines deleted, duplicated and swapped,
// continuations and comments inserted, random bytes, line endings flipped), must never crash dockmod; what it
// writes must parse, be stable under a second run, and keep every comment and shell word of the input unless a
// change declares (Change.removes) it took them away. Bounded for CI (FUZZ_CASES, about a minute); `npm run fuzz` runs 100,000.
// The seed is fixed so CI is reproducible; FUZZ_SEED=n tries others.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryContext } from '../src/contexts/context.js';
import type { Removal, Transform } from '../src/engine/types.js';
import { corpusAvailable, materializeCorpus } from './support/corpus.js';
import { checkInput, declaredGone, emptyTally, fixtureCases, formatTally, inventory, loadSeeds, missing, runCase, shrink } from './support/fuzz.js';
import { applyMutations, MUTATION_OPS } from './support/mutate.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_251_122);
const CASES = Number(process.env.FUZZ_CASES ?? 8_000);
/** A stop for slow machines: the cases not run are reported, not failed. */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const root = path.resolve(import.meta.dirname, '..');
const noContext = memoryContext({});

describe('mutations', () => {
  const text = Buffer.from('FROM a\nRUN b\nRUN c\n');
  it.each([
    [{ op: 'delete', line: 1 }, 'FROM a\nRUN c\n'],
    [{ op: 'duplicate', line: 4 }, 'FROM a\nRUN b\nRUN b\nRUN c\n'],
    [{ op: 'swap', line: 0, other: 2 }, 'RUN c\nRUN b\nFROM a\n'],
    [{ op: 'continuation', line: 1, escape: '\\' }, 'FROM a\nRUN b \\\nRUN c\n'],
    [{ op: 'comment', line: 2, text: '# x' }, 'FROM a\nRUN b\n# x\nRUN c\n'],
    [{ op: 'bytes', offset: 6, replace: 1, bytes: [0xff] }, 'FROM a\xffRUN b\nRUN c\n'],
    [{ op: 'crlf', line: 1, all: false }, 'FROM a\nRUN b\r\nRUN c\n'],
    [{ op: 'crlf', line: 0, all: true }, 'FROM a\r\nRUN b\r\nRUN c\r\n'],
  ] as const)('%j', (mutation, expected) => {
    expect(applyMutations(text, [mutation]).toString('latin1')).toBe(expected);
  });
});

describe('the property checks', () => {
  it('count comments and shell words the way Docker joins lines', () => {
    const found = inventory('# escape=`\nFROM a\n# top\nRUN --mount=type=cache,target=/c apt-get update && ` \n  # inside\n  echo "x y" # tail `\n  more\nRUN ["pip", "install", "x"]\nRUN <<EOF\n# body\nls -l\nEOF\n');
    expect(found.comments.map((c) => `${c.line}:${c.text}`)).toEqual(['1:# escape=`', '3:# top', '5:# inside', '6:# tail   more', '10:# body']);
    expect(found.words.map((w) => `${w.line}:${w.text}`)).toEqual(['4:apt-get', '4:update', '6:echo', '6:"x', '6:y"', '8:pip', '8:install', '8:x', '9:<<EOF', '11:ls', '11:-l']);
  });

  it('open a shell comment only where bash does: a `#` after U+2028 or a no-break space is part of a word', () => {
    const found = inventory('FROM a\nRUN apt-get update \u2028# not a comment\nRUN echo a\u00a0#word # tail\n');
    expect(found.comments.map((c) => `${c.line}:${c.text}`)).toEqual(['3:# tail']);
  });

  it('find what is missing, except what a change on its line declares it takes away', () => {
    const before = inventory('FROM a\n# keep\nRUN apt-get update\nRUN apt-get install x\n');
    const after = inventory('FROM a\nRUN apt-get install x\n');
    const change = (removes: Removal[], start: number, end: number, message = 'tidy up') => ({ transform: 't', message, line: start, safety: 'safe' as const, edited: [{ start, end }], removes });
    const lone: Removal = { kind: 'instruction', text: 'RUN apt-get update' };
    const keep: Removal = { kind: 'comment', text: '# keep' };
    expect(missing(before, after, declaredGone([]))).toEqual({ comments: ['line 2: # keep'], words: ['line 3: update', 'line 4: apt-get'] });
    expect(missing(before, after, declaredGone([change([keep, lone], 2, 3)]))).toEqual({ comments: [], words: [] });
    expect(missing(before, after, declaredGone([change([keep, { kind: 'words', text: 'apt-get' }], 2, 3)]))).toEqual({ comments: [], words: ['line 3: update'] });
    expect(missing(before, after, declaredGone([change([lone], 2, 3)]))).toEqual({ comments: ['line 2: # keep'], words: [] });
    // Declared moved: it must still be somewhere.
    expect(missing(before, after, declaredGone([change([keep, { ...lone, moved: true }], 2, 3)]))).toEqual({ comments: [], words: ['line 3: update', 'line 4: apt-get'] });
    // Declared, but of other lines; or on the lines, and said in the message only.
    expect(missing(before, after, declaredGone([change([keep, lone], 4, 4)]))).toEqual({ comments: ['line 2: # keep'], words: ['line 3: update'] });
    expect(missing(before, after, declaredGone([change([], 2, 3, 'drop a lone apt-get update and its comment')]))).toEqual({ comments: ['line 2: # keep'], words: ['line 3: update', 'line 4: apt-get'] });
  });

  const broken = (apply: Transform['apply']): Transform[] => [{ id: 'broken', summary: 'a faulty transform', safety: 'safe', apply }];
  const input = Buffer.from('FROM a\n# note\nRUN apt-get update\n');
  it.each([
    ['crash', broken(() => { throw new Error('boom'); })],
    ['comment-lost', broken((doc) => ({ changes: doc.text.includes('# note') ? [{ message: 'tidy', line: 1, edits: [{ start: 7, end: 14, text: '' }] }] : [], skips: [] }))],
    // Changes on every other call: the first run settles, the second changes again.
    ['not-idempotent', broken(((calls) => () => ({ changes: calls++ % 2 ? [] : [{ message: 'grow', line: 0, edits: [{ start: 0, end: 0, text: '# more\n' }] }], skips: [] }))(0))],
    ['shell-word-lost', broken((doc) => ({ changes: doc.text.includes('update') ? [{ message: 'tidy', line: 2, edits: [{ start: doc.text.indexOf(' update'), end: doc.text.indexOf(' update') + 7, text: '' }] }] : [], skips: [] }))],
    ['output-does-not-parse', broken((doc) => ({ changes: doc.text.includes('"') ? [] : [{ message: 'quote', line: 2, edits: [{ start: doc.text.length - 1, end: doc.text.length - 1, text: ' "' }] }], skips: [] }))],
  ])('catch a transform that breaks %s', (property, transforms) => {
    const verdict = checkInput(input, noContext, { transforms });
    expect(verdict).toMatchObject({ kind: 'failure', property });
  });

  it('shrink a failing input to the lines that matter', () => {
    const big = Buffer.from('FROM a\nRUN x\n# one\nRUN y\nRUN BAD\nRUN z\n');
    expect(shrink(big, (b) => b.includes('BAD')).toString()).toBe('RUN BAD\n');
  });
});

describe.skipIf(!corpusAvailable)('fuzzing the corpus and the fixtures', () => {
  const { root: corpusRoot, cases } = corpusAvailable ? materializeCorpus() : { root: '', cases: [] };
  afterAll(() => import('node:fs').then((fs) => fs.rmSync(corpusRoot, { recursive: true, force: true })));

  it(`keeps every property over ${CASES} mutated inputs (seed ${SEED})`, () => {
    const seeds = loadSeeds([...cases, ...fixtureCases(root)]);
    const tally = emptyTally();
    const started = performance.now();
    for (let i = 0; i < CASES && performance.now() - started < SECONDS * 1000; i++) runCase(seeds, SEED, i, tally);
    const report = formatTally(tally, SEED);
    console.log(`${report}\n${((performance.now() - started) / 1000).toFixed(1)}s${tally.cases < CASES ? ` (stopped at the ${SECONDS}s limit)` : ''}`);
    expect(tally.failures, report).toEqual({});
    // Floors that show the inputs reached the transforms, not only the refusals.
    expect(Object.keys(tally.mutations).sort()).toEqual([...MUTATION_OPS].sort());
    expect(tally.verdicts.changed ?? 0).toBeGreaterThan(tally.cases / 20);
    expect(tally.verdicts.refused ?? 0).toBeGreaterThan(0);
  }, (SECONDS + 30) * 1000);
});
