// isWithin, which the effect model asks of image paths by the thousand, answers as path.posix.relative does.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWithin } from '../src/tools/effects.js';
import { seededRng } from './support/mutate.js';

/** The definition: `dir` to `target` does not climb out and is not absolute. */
const byRelative = (target: string, dir: string) => {
  const rel = path.posix.relative(dir, target);
  return rel !== '..' && !rel.startsWith('../') && !path.posix.isAbsolute(rel);
};

describe('isWithin', () => {
  it('is path.posix.relative’s answer for plain and unusual paths, absolute and relative', () => {
    const rng = seededRng(16);
    const segments = ['', '.', '..', '...', '..a', 'a.', 'a', 'app', 'app2', 'x y'];
    const somePath = () => (rng.chance(0.8) ? '/' : '') + Array.from({ length: rng.below(5) }, () => rng.pick(segments)).join('/') + (rng.chance(0.2) ? '/' : '');
    const differ: string[][] = [];
    for (let i = 0; i < 50_000; i++) {
      const [target, dir] = [somePath(), somePath()];
      if (isWithin(target, dir) !== byRelative(target, dir)) differ.push([target, dir]);
    }
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it('tells a folder from a sibling that starts with its name', () => {
    expect([isWithin('/app/src', '/app'), isWithin('/app', '/app'), isWithin('/app2', '/app'), isWithin('/x', '/')]).toEqual([true, true, false, true]);
  });
});
