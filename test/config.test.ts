// dockmod.config.json / package.json "dockmod": validation with clear errors, upward search, per-glob overrides,
// and the CLI applying them.
import fs from 'node:fs';
import path from 'node:path';
import { tempTree, dockmod } from './support/cli.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigResolver, validateConfig } from '../src/cli/config.js';
import { builtinTransforms } from '../transforms/index.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const tree = (files: Record<string, string>): string => tempTree('dockmod-config-', files, temps);
const PIP = 'FROM python:3.12\nRUN pip install flask\n';

describe('validateConfig', () => {
  it.each([
    [{ rule: {} }, "f.json: unknown key 'rule' (known: rules, unsafe, transforms, overrides, cache, cacheLocation)"],
    [{ rules: { 'pip-no-cache-dir': 'disabled' } }, `f.json: 'rules.pip-no-cache-dir' must be "on" or "off", not "disabled"`],
    [{ rules: [] }, "f.json: 'rules' must be an object of transform id → \"on\" | \"off\", not an array"],
    [{ unsafe: 'yes' }, "f.json: 'unsafe' must be true or false, not string"],
    [{ transforms: [1] }, "f.json: 'transforms' must be a list of non-empty strings"],
    [{ overrides: [{ files: 'a/**', skip: [] }] }, "f.json: unknown key 'overrides[0].skip' (known: files, rules, unsafe)"],
    [{ overrides: [{ rules: {} }] }, "f.json: 'overrides[0].files' is missing"],
    [[], 'f.json: the settings must be an object, not an array'],
  ])('refuses %j', (value, message) => {
    expect(() => validateConfig(value, 'f.json')).toThrow(message);
  });

  it('accepts booleans for rules and a single glob for files', () => {
    expect(validateConfig({ $schema: 'x', rules: { a: false, b: true }, overrides: [{ files: 'x/**', unsafe: true }] }, 'f')).toEqual({
      rules: { a: 'off', b: 'on' },
      overrides: [{ files: ['x/**'], unsafe: true }],
    });
  });
});

describe('ConfigResolver', () => {
  it('takes the nearest config upward, package.json "dockmod" included, and applies overrides in order', () => {
    const dir = tree({
      'dockmod.config.json': JSON.stringify({
        rules: { 'merge-apt-update': 'off' },
        overrides: [
          { files: 'legacy/**', rules: { 'merge-apt-update': 'on', 'pip-no-cache-dir': 'off' }, unsafe: true },
          { files: ['legacy/keep/**'], rules: { 'pip-no-cache-dir': 'on' } },
        ],
      }),
      'apps/web/package.json': JSON.stringify({ name: 'web', dockmod: { unsafe: true } }),
      'apps/api/package.json': JSON.stringify({ name: 'api' }),
    });
    const configs = new ConfigResolver();
    const root = path.join(dir, 'dockmod.config.json');
    expect(configs.settingsFor(path.join(dir, 'Dockerfile'))).toEqual({ source: root, off: ['merge-apt-update'], unsafe: false, transforms: [] });
    expect(configs.settingsFor(path.join(dir, 'legacy/a/Dockerfile'))).toEqual({ source: root, off: ['pip-no-cache-dir'], unsafe: true, transforms: [] });
    expect(configs.settingsFor(path.join(dir, 'legacy/keep/Dockerfile'))).toEqual({ source: root, off: [], unsafe: true, transforms: [] });
    expect(configs.settingsFor(path.join(dir, 'apps/web/Dockerfile'))).toEqual({
      source: path.join(dir, 'apps/web/package.json#dockmod'),
      off: [],
      unsafe: true,
      transforms: [],
    });
    // A package.json without the key is passed over.
    expect(configs.settingsFor(path.join(dir, 'apps/api/Dockerfile')).source).toBe(root);
  });

  it('names the config file in errors, and a transform module that does not exist', () => {
    const dir = tree({ 'dockmod.config.json': '{"rules": {}, "transforms": ["./nope.ts"]}', 'bad/dockmod.config.json': '{"rules": ' });
    const configs = new ConfigResolver();
    expect(() => configs.settingsFor(path.join(dir, 'Dockerfile'))).toThrow(`${path.join(dir, 'dockmod.config.json')}: transform module 'nope.ts' does not exist`);
    expect(() => configs.settingsFor(path.join(dir, 'bad/Dockerfile'))).toThrow(`${path.join(dir, 'bad/dockmod.config.json')}: not valid JSON`);
  });
});

describe('dockmod with a config', () => {
  it('turns a transform off for the files under the config; the command line --only wins', () => {
    const dir = tree({ 'dockmod.config.json': '{"rules": {"pip-no-cache-dir": "off"}}', 'a/Dockerfile': PIP, 'b/Dockerfile': PIP });
    fs.writeFileSync(path.join(dir, 'b/dockmod.config.json'), '{}');
    expect(dockmod(['-l', '.'], dir).stdout).toBe('b/Dockerfile\n');
    expect(dockmod(['-l', '--only', 'pip-no-cache-dir', '.'], dir).stdout).toBe('a/Dockerfile\nb/Dockerfile\n');
  });

  it('exits 2 naming the file and the unknown key or transform, before touching anything', () => {
    const dir = tree({ 'dockmod.config.json': '{"rulez": {}}', 'Dockerfile': PIP });
    const r = dockmod(['--write', '.'], dir);
    expect(r).toMatchObject({ status: 2, stdout: '', stderr: `dockmod: ${path.join(dir, 'dockmod.config.json')}: unknown key 'rulez' (known: rules, unsafe, transforms, overrides, cache, cacheLocation)\n` });
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(PIP);
    fs.writeFileSync(path.join(dir, 'dockmod.config.json'), '{"rules": {"pip-no-cache": "off"}}');
    expect(dockmod(['.'], dir).stderr).toBe(
      `dockmod: ${path.join(dir, 'dockmod.config.json')}: unknown transform 'pip-no-cache' in rules (known: ${builtinTransforms.map((t) => t.id).join(', ')})\n`,
    );
  });
});
