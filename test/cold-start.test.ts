// What a cold start of the CLI loads: the parsers of manifest formats only for a context that needs them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockmod, tempTree } from './support/cli.js';

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every module the run loads (ES module URLs through a loader hook, CommonJS requests through Module._load), one a line. */
const LOADS_LOGGED = `
import fs from 'node:fs';
import Module, { register } from 'node:module';
const log = process.env.LOADS_LOG;
register('data:text/javascript,' + encodeURIComponent(\`import fs from 'node:fs'; export async function load(url, context, next) { fs.appendFileSync(\${JSON.stringify(log)}, url + '\\\\n'); return next(url, context); }\`));
const load = Module._load;
Module._load = function (request, ...rest) { fs.appendFileSync(log, request + '\\n'); return load.call(this, request, ...rest); };
`;

function loadsOf(files: Record<string, string>): string[] {
  const dir = tempTree('dockmod-cold-', { ...files, 'loads.mjs': LOADS_LOGGED }, temps);
  const log = path.join(dir, 'loads.log');
  const run = dockmod(['Dockerfile'], dir, { env: { LOADS_LOG: log, NODE_OPTIONS: `--import=${path.join(dir, 'loads.mjs')}` } });
  expect(run.status, run.stderr).toBe(0);
  return fs.readFileSync(log, 'utf8').split('\n');
}

const PARSERS = /(^|\/node_modules\/)(yaml|smol-toml|acorn)(\/|$)/;

describe('a cold start', () => {
  it('loads no YAML, TOML or JavaScript parser for a context without the manifests they read', () => {
    const loads = loadsOf({ Dockerfile: 'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\n', 'package.json': '{"name":"app"}\n' });
    expect(loads.some((m) => m.includes('/node_modules/dockerfile-ast/'))).toBe(true);
    expect(loads.filter((m) => PARSERS.test(m))).toEqual([]);
  });

  it('loads the TOML parser for the pyproject.toml of a `uv sync`', () => {
    const loads = loadsOf({ Dockerfile: 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen\n', 'pyproject.toml': '[project]\nname = "app"\n', 'uv.lock': '' });
    expect(loads.filter((m) => PARSERS.test(m)).map((m) => m.match(PARSERS)![2])).toContain('smol-toml');
  });
});
