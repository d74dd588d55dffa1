// Runs a transform fixture folder through the engine and renders the result as a reviewable snapshot text.
import fs from 'node:fs';
import path from 'node:path';
import { optimize } from '../../src/index.js';
import { directoryContext } from '../../src/contexts/context.js';
import { dockerfilesBuiltWith } from '../../src/contexts/build-contexts.js';
import { unifiedDiff } from '../../src/formats/output.js';

export interface FixtureOptions {
  only?: string[];
  skip?: string[];
  unsafe?: boolean;
  /** Run without a build context, as when the context is unknown. */
  noContext?: boolean;
  /** The Dockerfile's path in the fixture folder (default `Dockerfile`). */
  dockerfile?: string;
  /** The build context folder in the fixture folder (default: the fixture folder itself). */
  context?: string;
}

export function listFixtures(root: string): { id: string; name: string; dir: string }[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).sort().flatMap((id) =>
    fs.readdirSync(path.join(root, id)).sort().map((name) => ({ id, name, dir: path.join(root, id, name) })),
  );
}

/** The snapshot text of one fixture: changes, skips, held-back unsafe changes, then the diff of every file. */
export function renderFixture(id: string, dir: string): string {
  const optionsFile = path.join(dir, 'options.json');
  const options: FixtureOptions = fs.existsSync(optionsFile) ? JSON.parse(fs.readFileSync(optionsFile, 'utf8')) : {};
  const dockerfile = path.join(dir, options.dockerfile ?? 'Dockerfile');
  const contextDir = path.join(dir, options.context ?? '.');
  const before = fs.readFileSync(dockerfile, 'utf8');
  const context = options.noContext ? undefined : directoryContext(contextDir, dockerfile, dockerfilesBuiltWith(contextDir, undefined));
  const result = optimize(before, { context, only: options.only ?? [id], skip: options.skip, unsafe: options.unsafe });
  const second = optimize(result.text, { context, only: options.only ?? [id], skip: options.skip, unsafe: options.unsafe });
  if (second.text !== result.text) throw new Error(`${id}/${path.basename(dir)}: a second run changes the output`);
  const lines = [
    '# changes',
    ...result.changes.map((c) => `${c.line}: ${c.transform} (${c.safety}): ${c.message}`),
    '# skips',
    ...result.skips.map((s) => `${s.line}: ${s.transform}: ${s.reason}`),
    ...(result.heldBack.length ? ['# held back', ...result.heldBack.map((h) => `${h.line}: ${h.transform}: ${h.message}`)] : []),
    '# diff',
    unifiedDiff(dockerfile, before, result.text, dir) +
      result.files.map((f) => unifiedDiff(path.join(contextDir, f.path), context?.readFile(f.path), f.text, dir)).join(''),
  ];
  return lines.join('\n');
}
