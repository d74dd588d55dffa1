#!/usr/bin/env node
// npm run docs:table: writes the README's table of transforms from the registry (dist/transforms/index.js, so it
// runs after the build). test/registry.test.ts fails when the README and the registry differ.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const TABLE_START = '<!-- transforms:start (npm run docs:table writes this table from the registry) -->';
export const TABLE_END = '<!-- transforms:end -->';

/**
 * The markdown table of `transforms` in registry order: id (linked to its docs page), safety, summary.
 * @param {readonly { id: string, summary: string, safety: string, docs: string }[]} transforms
 */
export function transformTable(transforms) {
  const cell = (text) => text.replace(/\|/g, '\\|');
  const rows = transforms.map((t) => `| [\`${t.id}\`](${t.docs}) | ${t.safety} | ${cell(t.summary)} |\n`);
  return `| id | safety | what |\n| --- | --- | --- |\n${rows.join('')}`;
}

/** `readme` with the table between its markers replaced by the table of `transforms`. */
export function withTransformTable(readme, transforms) {
  const start = readme.indexOf(`${TABLE_START}\n`);
  const end = readme.indexOf(`${TABLE_END}\n`, start);
  if (start < 0 || end < 0) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END} block`);
  return `${readme.slice(0, start)}${TABLE_START}\n${transformTable(transforms)}${readme.slice(end)}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(import.meta.dirname, '..');
  const registry = path.join(root, 'dist', 'transforms', 'index.js');
  if (!fs.existsSync(registry)) {
    console.error('docs:table: build first (npm run build)');
    process.exit(2);
  }
  const { builtinTransforms } = await import(pathToFileURL(registry).href);
  const readmeFile = path.join(root, 'README.md');
  const before = fs.readFileSync(readmeFile, 'utf8');
  const after = withTransformTable(before, builtinTransforms);
  if (after !== before) fs.writeFileSync(readmeFile, after);
  console.error(`docs:table: README.md ${after === before ? 'already lists' : 'now lists'} the ${builtinTransforms.length} transforms`);
}
