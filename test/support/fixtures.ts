// Runs a transform fixture folder through the engine and renders the result as a reviewable snapshot text; and
// runs the same fixture written another way (CRLF, backtick escape) to compare with it.
import fs from 'node:fs';
import path from 'node:path';
import { optimize } from '../../src/index.js';
import { directoryContext } from '../../src/contexts/context.js';
import { contextBuilders } from '../../src/contexts/context-from-sources.js';
import { unifiedDiff } from '../../src/formats/output.js';
import type { BuildContext, OptimizeResult } from '../../src/engine/types.js';
import { builtinTransforms } from '../../transforms/index.js';
import { isDockerfileName } from '../../src/contexts/file-names.js';
import { convert, leadingDirectives, NotConvertible, type Variant } from './variants.js';

export interface FixtureOptions {
  only?: string[];
  skip?: string[];
  /** Default: on for a fixture of an unsafe transform, off for a safe one. */
  unsafe?: boolean;
  /** Run without a build context, as when the context is unknown. */
  noContext?: boolean;
  /** The Dockerfile's path in the fixture folder (default `Dockerfile`). */
  dockerfile?: string;
  /** The build context folder in the fixture folder (default: the fixture folder itself). */
  context?: string;
  /** Variants this fixture cannot be converted to mechanically, each with the reason. */
  noVariant?: Partial<Record<Variant, string>>;
}

export interface Fixture {
  id: string;
  name: string;
  dir: string;
  options: FixtureOptions;
}

export function listFixtures(root: string): Fixture[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).sort().flatMap((id) =>
    fs.readdirSync(path.join(root, id)).sort().map((name) => {
      const dir = path.join(root, id, name);
      const optionsFile = path.join(dir, 'options.json');
      const options: FixtureOptions = fs.existsSync(optionsFile) ? JSON.parse(fs.readFileSync(optionsFile, 'utf8')) : {};
      return { id, name, dir, options };
    }),
  );
}

interface FixtureRun {
  dockerfile: string;
  contextDir: string;
  before: string;
  context: BuildContext | undefined;
  result: OptimizeResult;
}

/** Whether the fixture runs with unsafe changes on: as its options say, else when its transform is unsafe. */
export const fixtureUnsafe = ({ id, options }: Pick<Fixture, 'id' | 'options'>): boolean => options.unsafe ?? builtinTransforms.find((t) => t.id === id)?.safety === 'unsafe';

/** The fixture through the engine, run twice to check it settles. */
function runFixture({ id, name, dir, options }: Fixture): FixtureRun {
  const dockerfile = path.join(dir, options.dockerfile ?? 'Dockerfile');
  const contextDir = path.join(dir, options.context ?? '.');
  const before = fs.readFileSync(dockerfile, 'utf8');
  const context = options.noContext ? undefined : directoryContext(contextDir, dockerfile, contextBuilders(contextDir, [], dir));
  const settings = { context, only: options.only ?? [id], skip: options.skip, unsafe: fixtureUnsafe({ id, options }) };
  const result = optimize(before, settings);
  const second = optimize(result.text, settings);
  if (second.text !== result.text) throw new Error(`${id}/${name}: a second run changes the output`);
  return { dockerfile, contextDir, before, context, result };
}

/** The snapshot text of one fixture: changes, skips, held-back unsafe changes, then the diff of every file. */
export function renderFixture(fixture: Fixture): string {
  const { dockerfile, contextDir, before, context, result } = runFixture(fixture);
  const lines = [
    '# changes',
    ...result.changes.map((c) => `${c.line}: ${c.transform} (${c.safety}): ${c.message}`),
    '# skips',
    ...result.skips.map((s) => `${s.line}: ${s.transform}: ${s.reason}`),
    ...(result.heldBack.length ? ['# held back', ...result.heldBack.map((h) => `${h.line}: ${h.transform}: ${h.message}`)] : []),
    '# diff',
    unifiedDiff(dockerfile, before, result.text, fixture.dir) +
      result.files.map((f) => unifiedDiff(path.join(contextDir, f.path), context?.readFile(f.path), f.text, fixture.dir)).join(''),
  ];
  return lines.join('\n');
}

/** What a run gives, as compared between a fixture and its variants. */
export interface Outcome {
  changes: string[];
  skips: string[];
  heldBack: string[];
  text: string;
  files: { path: string; text: string }[];
}

/**
 * A copy of the fixture under `into` with every Dockerfile of its folder converted to `variant`, or why there
 * is none (the fixture opts out, or is written that way already).
 */
export function writeVariant(fixture: Fixture, variant: Variant, into: string): Fixture | { none: string } {
  const optOut = fixture.options.noVariant?.[variant];
  if (optOut) return { none: optOut };
  const dir = path.join(into, variant, fixture.id, fixture.name);
  fs.cpSync(fixture.dir, dir, { recursive: true });
  const main = path.join(dir, fixture.options.dockerfile ?? 'Dockerfile');
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || !isDockerfileName(entry.name)) continue;
    let text: string | undefined;
    try {
      text = convert(fs.readFileSync(file, 'utf8'), variant);
    } catch (error) {
      if (!(error instanceof NotConvertible)) throw error;
      throw new Error(`${path.relative(dir, file)} of ${fixture.id}/${fixture.name} cannot be converted to ${variant} (${error.message}): convert it by hand, or opt out with a reason in options.json "noVariant"`);
    }
    if (text === undefined && file === main) return { none: `the fixture is written as ${variant} already` };
    if (text !== undefined) fs.writeFileSync(file, text);
  }
  return { ...fixture, dir };
}

/**
 * The fixture's outcome converted to `variant` (lines after the parser directives moved down by the escape
 * directive the conversion adds, in the messages too; the output text converted), and the outcome of `copy`,
 * the fixture's variant from writeVariant.
 */
export function variantOutcomes(fixture: Fixture, copy: Fixture, variant: Variant): { expected: Outcome; actual: Outcome } {
  const base = runFixture(fixture);
  const directives = leadingDirectives(base.before);
  const shift = variant === 'escape-backtick' ? (line: number) => (line > directives ? line + 1 : line) : (line: number) => line;
  const expected = outcome(base.result, shift);
  expected.text = convert(base.result.text, variant)!;
  return { expected, actual: outcome(runFixture(copy).result, (line) => line) };
}

/** The result with each line number (of a change, a skip, and the `line N` / `lines N–M` its message names) mapped by `shift`. */
function outcome(result: OptimizeResult, shift: (line: number) => number): Outcome {
  const moved = (message: string) => message.replace(/\b(lines? )(\d+)(–(\d+))?/g, (_, word: string, a: string, range: string | undefined, b: string | undefined) => `${word}${shift(Number(a))}${range ? `–${shift(Number(b))}` : ''}`);
  return {
    changes: result.changes.map((c) => `${shift(c.line)}: ${c.transform} (${c.safety}): ${moved(c.message)}`),
    skips: result.skips.map((s) => `${shift(s.line)}: ${s.transform}: ${moved(s.reason)}`),
    heldBack: result.heldBack.map((h) => `${shift(h.line)}: ${h.transform}: ${moved(h.message)}`),
    text: result.text,
    files: result.files.map((f) => ({ path: f.path, text: f.text })),
  };
}
