// Every fixture folder under test/fixtures/<transform>/<case>/ against its reviewed snapshot in snapshots/, and
// the same fixture with CRLF line endings and with the backtick escape: the same result, converted alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFixtures, renderFixture, variantOutcomes, writeVariant } from './support/fixtures.js';
import { VARIANTS } from './support/variants.js';

const root = path.resolve(import.meta.dirname, 'fixtures');
const snapshots = path.resolve(import.meta.dirname, '..', 'snapshots');
const variantsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-variants-'));
afterAll(() => fs.rmSync(variantsRoot, { recursive: true, force: true }));

describe('transform fixtures', () => {
  for (const fixture of listFixtures(root)) {
    const { id, name } = fixture;
    it(`${id}: ${name}`, async () => {
      await expect(renderFixture(fixture)).toMatchFileSnapshot(path.join(snapshots, id, `${name}.snap`));
    });
    for (const variant of VARIANTS) {
      it(`${id}: ${name} (${variant})`, (ctx) => {
        const copy = writeVariant(fixture, variant, variantsRoot);
        if ('none' in copy) return ctx.skip(copy.none);
        const { actual, expected } = variantOutcomes(fixture, copy, variant);
        expect(actual).toEqual(expected);
      });
    }
  }
});

describe('snapshots', () => {
  it('of transforms each belong to a fixture', () => {
    const fixtures = listFixtures(root);
    const cases = new Set(fixtures.map((f) => `${f.id}/${f.name}.snap`));
    const orphans = [...new Set(fixtures.map((f) => f.id))].flatMap((id) => fs.readdirSync(path.join(snapshots, id)).map((name) => `${id}/${name}`)).filter((f) => !cases.has(f));
    expect(orphans).toEqual([]);
  });
});
