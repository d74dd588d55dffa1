// dockmod's own code (src/cli/own-code.ts): its package and every package it depends on, where Node finds them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownCodeOf } from '../src/cli/own-code.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function writePackage(folder: string, name: string, dependencies: Record<string, string> = {}): void {
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name, version: '1.0.0', dependencies }));
}

describe('own code', () => {
  it('follows dependencies transitively, hoisted beside the package and linked from a store', () => {
    const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-own-')));
    temps.push(project);
    const modules = path.join(project, 'node_modules');
    writePackage(path.join(modules, 'dockmod'), 'dockmod', { hoisted: '1', linked: '1' });
    fs.mkdirSync(path.join(modules, 'dockmod', 'dist'), { recursive: true });
    writePackage(path.join(modules, 'hoisted'), 'hoisted', { nested: '1', absent: '1' });
    writePackage(path.join(modules, 'hoisted', 'node_modules', 'nested'), 'nested');
    writePackage(path.join(modules, '.store', 'linked'), 'linked', { hoisted: '1' });
    fs.symlinkSync(path.join(modules, '.store', 'linked'), path.join(modules, 'linked'));
    const own = ownCodeOf(path.join(modules, 'dockmod', 'dist', 'cli.js'));
    expect(own.root).toBe(path.join(modules, 'dockmod'));
    expect(own.packages.map((p) => [p.name, path.relative(project, p.folder)])).toEqual([
      ['dockmod', 'node_modules/dockmod'],
      ['hoisted', 'node_modules/hoisted'],
      ['nested', 'node_modules/hoisted/node_modules/nested'],
      ['linked', 'node_modules/.store/linked'],
    ]);
    expect(own.holds(path.join(modules, '.store', 'linked', 'main.wasm'))).toBe(true);
    expect(own.holds(path.join(modules, 'hoisted-other', 'x.js'))).toBe(false);
    expect(own.holds(path.join(project, 'Dockerfile'))).toBe(false);
  });
});
