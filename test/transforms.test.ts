// Every fixture folder under test/fixtures/<transform>/<case>/ against its reviewed snapshot in snapshots/.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFixtures, renderFixture } from './support/fixtures.js';

const root = path.resolve(import.meta.dirname, 'fixtures');
const snapshots = path.resolve(import.meta.dirname, '..', 'snapshots');

describe('transform fixtures', () => {
  for (const { id, name, dir } of listFixtures(root)) {
    it(`${id}: ${name}`, async () => {
      await expect(renderFixture(id, dir)).toMatchFileSnapshot(path.join(snapshots, id, `${name}.snap`));
    });
  }
});
