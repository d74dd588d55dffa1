// The cache simulation against hand-worked cases (each snapshot was checked step by step against BuildKit's rules,
// see src/explain/explain.ts), and `dockmod explain` on the bundled Node example.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Document } from '../src/engine/document.js';
import { memoryContext } from '../src/contexts/context.js';
import { simulateCache, type CacheSimulation } from '../src/explain/explain.js';
import { dockmod, tempTree } from './support/cli.js';

const root = path.resolve(import.meta.dirname, '..');
const snapshots = path.join(root, 'snapshots', 'explain');

/** One line per step: line, status, what makes it expensive, why it re-runs. */
function render(sim: CacheSimulation): string {
  const out = [`changed: ${sim.changed.join(', ')}`];
  for (const stage of sim.stages) {
    out.push(`stage ${stage.index}${stage.name ? ` ${stage.name}` : ''}: ${stage.from}${stage.built ? '' : ' (not built)'}${stage.changed ? ' -> changed' : ''}`);
    for (const s of stage.steps) {
      out.push(`  ${s.line} ${s.status}${s.expensive ? ` [${s.expensive}]` : ''}: ${s.instruction}${s.reason ? `  <- ${s.reason}` : ''}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function simulate(dockerfile: string, files: Record<string, string>, changed: string[]): string {
  return render(simulateCache(new Document(dockerfile), memoryContext(files), changed));
}

const MULTI_STAGE = `FROM node:20 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
FROM deps AS build
COPY . .
RUN npm run build
FROM node:20 AS test
COPY . .
RUN npm test
FROM nginx:1
COPY --from=build /app/dist /usr/share/nginx/html
COPY --link nginx.conf /etc/nginx/conf.d/default.conf
RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y curl
CMD ["nginx", "-g", "daemon off;"]
`;
const NODE_FILES = { 'package.json': '{}', 'package-lock.json': '{}', 'src/app.ts': '', 'nginx.conf': '', 'docs/guide.md': '' };

const cases: Record<string, () => string> = {
  // A source edit: deps stays cached; build re-runs; test is not needed by the last stage; the final stage's
  // COPY --from=build re-runs, COPY --link of an unchanged file stays cached, the RUN after them re-runs.
  'multi-stage-source-edit': () => simulate(MULTI_STAGE, NODE_FILES, ['src/app.ts']),
  // A manifest edit: npm ci re-runs, and every stage built on deps follows.
  'multi-stage-manifest-edit': () => simulate(MULTI_STAGE, NODE_FILES, ['package-lock.json']),
  // Only the COPY --link source changed: the COPY re-runs, and so does what follows it, but nothing before it.
  'copy-link-source-edit': () => simulate(MULTI_STAGE, NODE_FILES, ['nginx.conf']),
  // .dockerignore keeps the edited file out of the context: nothing re-runs.
  'dockerignored-edit': () => simulate('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', { ...NODE_FILES, '.dockerignore': '# docs are not built\ndocs\n' }, ['docs/guide.md']),
  // Files, folders, patterns, variables, --exclude and remote ADD.
  sources: () =>
    simulate(
      `FROM python:3.12
ARG SRC=src
ARG UNKNOWN
ADD https://example.com/tool.tar.gz /opt/
COPY *.toml ./
COPY --exclude=*.md docs/ /docs/
COPY \${SRC}/ ./src/
RUN pip install .
COPY $UNKNOWN /extra/
`,
      { 'pyproject.toml': '', 'src/app/main.py': '', 'docs/index.md': '', 'docs/conf.py': '' },
      ['docs/index.md', 'src/app/main.py'],
    ),
  // --exclude as BuildKit applies it: like .dockerignore below a copied folder (`docs` keeps docs/guide.md out),
  // never to a file matched as a source (package.json is copied); --parents brings app/x.ts, not lib/y.ts.
  // Each COPY is --link, so each one's own sources decide.
  'exclude-and-parents': () =>
    simulate(
      `FROM node:20
COPY --link --exclude=docs . /all/
COPY --link --exclude=*.json package*.json /manifests/
COPY --link --parents app/*.ts /src/
RUN npm ci
`,
      { 'package.json': '{}', 'docs/guide.md': '', 'app/x.ts': '', 'lib/y.ts': '' },
      ['docs/guide.md', 'package.json', 'lib/y.ts'],
    ),
  // RUN --mount=type=bind reads the context like a COPY; a cache mount does not count.
  'bind-mount': () =>
    simulate(
      `FROM python:3.12
RUN --mount=type=cache,target=/root/.cache/pip pip install uv
RUN --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt pip install -r /tmp/requirements.txt
COPY . /app
`,
      { 'requirements.txt': '', 'app.py': '' },
      ['requirements.txt'],
    ),
  // OS package installs are marked expensive; they stay cached when they come before the first copy.
  'os-packages': () =>
    simulate(
      `FROM alpine:3
RUN apk add --no-cache curl
RUN set -e; apt-get -o Acquire::Retries=3 install -y make && dnf install -y gcc
COPY . /src
RUN yum install -y git
`,
      { 'main.c': '' },
      ['main.c'],
    ),
};

describe('cache simulation: hand-worked cases', () => {
  for (const [name, run] of Object.entries(cases)) {
    it(name, async () => {
      await expect(run()).toMatchFileSnapshot(path.join(snapshots, `${name}.txt`));
    });
  }

  it('multi-stage: the facts the snapshot shows, stated', () => {
    const sim = simulateCache(new Document(MULTI_STAGE), memoryContext(NODE_FILES), ['src/app.ts']);
    const status = (line: number) => sim.stages.flatMap((s) => s.steps).find((s) => s.line === line)!.status;
    expect([3, 4].map(status)).toEqual(['cached', 'cached']);
    expect([6, 7].map(status)).toEqual(['reruns', 'reruns']);
    expect(sim.stages[2]!.built).toBe(false);
    expect([12, 13, 14].map(status)).toEqual(['reruns', 'cached', 'reruns']);
  });

  it('an OS package step is expensive for every subcommand that installs, as the tool vocabulary lists them', () => {
    const dockerfile = 'FROM fedora:40\nRUN dnf distro-sync -y\nRUN yum reinstall -y git\nRUN zypper dup -y\nRUN xx-apk add gcc\nRUN dnf makecache\nRUN apt-get -t bookworm-backports install -y curl\n';
    const sim = simulateCache(new Document(dockerfile), memoryContext({ 'main.c': '' }), ['main.c']);
    expect(sim.stages[0]!.steps.map((s) => s.expensive)).toEqual(['OS packages (dnf)', 'OS packages (yum)', 'OS packages (zypper)', 'OS packages (xx-apk)', undefined, 'OS packages (apt-get)']);
  });
});

describe('dockmod explain', () => {
  const explain = (...args: string[]) => dockmod(['explain', ...args], root);

  it('on the Node example: `npm install` re-runs before dockmod and is cached after', async () => {
    const r = explain('examples/node-app/Dockerfile');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot(path.join(snapshots, 'node-app.txt'));
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);

    const json = JSON.parse(explain('examples/node-app/Dockerfile', '--format', 'json').stdout);
    expect(json.changed).toEqual(['src/index.js']);
    const install = (sim: CacheSimulation) => sim.stages[0]!.steps.find((s) => s.instruction === 'RUN ["npm", "install"]')!;
    expect(install(json.before)).toMatchObject({ status: 'reruns', expensive: 'dependencies (npm)' });
    expect(install(json.after)).toMatchObject({ status: 'cached', expensive: 'dependencies (npm)' });
  });

  it('--changed a manifest: the install re-runs in both', () => {
    const json = JSON.parse(explain('examples/node-app/Dockerfile', '--changed', 'package-lock.json', '--format', 'json').stdout);
    const statuses = (sim: CacheSimulation) => sim.stages[0]!.steps.map((s) => `${s.line}:${s.status}`).join(' ');
    expect(statuses(json.before)).toBe('2:cached 3:reruns 4:reruns 5:config');
    expect(statuses(json.after)).toBe('2:cached 3:reruns 4:reruns 5:reruns 6:config');
  });

  it('names a changed path outside the context and exits 2', () => {
    const r = explain('examples/node-app/Dockerfile', '--changed', '../../etc/passwd');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dockmod explain: \.\.\/\.\.\/etc\/passwd is not inside the build context/);
  });

  describe('refuses what is not a regular file at once, with the main command\'s error', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-explain-input-'));
      execFileSync('mkfifo', [path.join(dir, 'pipe')]);
      fs.mkdirSync(path.join(dir, 'folder'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    // A read that blocks (a pipe, /dev/zero) fails the test through the timeout instead of hanging it.
    const inDir = (args: string[]) => dockmod(args, dir, { timeout: 10_000 });

    it.each(['/dev/zero', 'pipe', 'folder'])('%s', (input) => {
      const expected = { '/dev/zero': 'not a regular file: a device', pipe: 'not a regular file: a named pipe', folder: 'is a directory' }[input];
      const shown = path.relative(dir, path.resolve(dir, input));
      // The main command searches a folder it is given; it says 'is a directory' of a folder named as a Dockerfile.
      if (input !== 'folder') expect(inDir([input]).stderr.split('\n')[0]).toBe(`dockmod: ${shown}: ${expected}`);
      for (const command of ['explain', 'verify']) {
        const r = inDir([command, input]);
        expect({ command, signal: r.signal, status: r.status, stderr: r.stderr }).toEqual({ command, signal: null, status: 2, stderr: `dockmod: ${shown}: ${expected}\n` });
      }
    });
  });
});

// From a repository root, explain and verify build a Dockerfile with the context `dockmod .` gives it (here from
// compose.yaml: the root, not the Dockerfile's folder), and --context still overrides it.
describe('explain and verify use the build context of the default command', () => {
  const temps: string[] = [];
  afterAll(() => temps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const REPO = {
    '.git/HEAD': 'ref: refs/heads/main\n',
    'compose.yaml': 'services:\n  api:\n    build:\n      context: .\n      dockerfile: services/api/Dockerfile\n',
    'package.json': '{"name":"api","version":"1.0.0","dependencies":{"express":"^4.19.0"}}\n',
    'package-lock.json': '{"name":"api","lockfileVersion":3,"requires":true,"packages":{}}\n',
    'src/index.js': 'console.log(1)\n',
    'services/api/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "src/index.js"]\n',
    'services/api/health.js': 'console.log(2)\n',
  };
  const statuses = (sim: CacheSimulation) => sim.stages[0]!.steps.map((s) => `${s.line}:${s.status}`).join(' ');

  // The one transform whose rewrite depends on the context here (npm-yarn-cache-clean changes the RUN in both).
  const only = ['--only', 'split-copy-install'];

  it('explain: the compose context, whose rewrite caches npm ci; with --context the folder, where nothing changes', () => {
    const dir = tempTree('dockmod-explain-compose-', REPO, temps);
    expect(dockmod(['--check', ...only, '.'], dir).stdout).toBe('services/api/Dockerfile\n');
    const r = dockmod(['explain', ...only, '--format', 'json', 'services/api/Dockerfile'], dir);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const json = JSON.parse(r.stdout);
    expect({ unchanged: json.unchanged, changed: json.changed, before: statuses(json.before), after: statuses(json.after) }).toEqual({
      unchanged: false,
      changed: ['src/index.js'],
      before: '2:cached 3:reruns 4:reruns 5:config',
      after: '2:cached 3:cached 4:cached 5:reruns 6:config',
    });

    expect(dockmod(['--check', ...only, '--context', 'services/api', 'services/api/Dockerfile'], dir).stdout).toBe('');
    const own = JSON.parse(dockmod(['explain', ...only, '--format', 'json', '--context', 'services/api', 'services/api/Dockerfile'], dir).stdout);
    expect({ unchanged: own.unchanged, changed: own.changed }).toEqual({ unchanged: true, changed: ['health.js'] });
  });

  it('explain: the nearest config applies, as in a run', () => {
    const dir = tempTree('dockmod-explain-config-', { ...REPO, 'dockmod.config.json': '{ "rules": { "split-copy-install": "off", "npm-yarn-cache-clean": "off" } }\n' }, temps);
    expect(dockmod(['--check', '.'], dir).stdout).toBe('');
    expect(JSON.parse(dockmod(['explain', '--format', 'json', 'services/api/Dockerfile'], dir).stdout).unchanged).toBe(true);
  });

  it('explain and verify: a Dockerfile built with two contexts needs --context, as each gives its own simulation', () => {
    const twice = 'services:\n  api:\n    build: { context: ., dockerfile: services/api/Dockerfile }\n  api-alone:\n    build: services/api\n';
    const dir = tempTree('dockmod-explain-contexts-', { ...REPO, 'compose.yaml': twice }, temps);
    const message = 'services/api/Dockerfile is built with 2 build contexts (., services/api): name one with --context';
    expect(dockmod(['explain', 'services/api/Dockerfile'], dir).stderr).toBe(`dockmod explain: ${message}\n`);
    expect(dockmod(['verify', 'services/api/Dockerfile'], dir).stderr).toBe(`dockmod: services/api/Dockerfile: ${message}\n`);
    expect(dockmod(['explain', ...only, '--context', '.', '--format', 'json', 'services/api/Dockerfile'], dir).stdout).toMatch(/"unchanged": false/);
  });

  it('verify: the compose context gives a rewrite to build; --context the folder, nothing to rewrite', () => {
    const dir = tempTree('dockmod-verify-compose-', { ...REPO, 'bin/.keep': '' }, temps);
    // No builder on PATH: verify stops right after the rewrite, having said whether there was one.
    const env = { PATH: path.join(dir, 'bin') };
    const noBuilder = 'dockmod: verify failed: builder "buildah" cannot be run: not found on PATH\n';
    expect(dockmod(['verify', ...only, '--builder', 'buildah', 'services/api/Dockerfile'], dir, { env }).stderr).toBe(noBuilder);
    expect(dockmod(['verify', ...only, '--builder', 'buildah', '--context', 'services/api', 'services/api/Dockerfile'], dir, { env }).stderr).toBe(
      `dockmod: nothing to rewrite; building the file as it is, twice\n${noBuilder}`,
    );
  });
});

// Real builds as the oracle (opt-in: DOCKMOD_REAL_BUILDS=1, a builder, and the local base images that
// `npm run test:builds` sets up): for each build fixture, the simulation's cached/re-run verdict for every step that
// runs or copies something must equal what the builder reports after the same source edit, before and after dockmod.
describe.runIf(process.env.DOCKMOD_REAL_BUILDS)('cache simulation against real builds', async () => {
  const fs = await import('node:fs');
  const { verify, chooseEditFile } = await import('../src/verify/verify.js');
  const { optimize } = await import('../src/index.js');
  const { directoryContext } = await import('../src/contexts/context.js');
  const fixturesDir = path.join(root, 'test', 'builds', 'fixtures');
  const only = (process.env.DOCKMOD_REAL_BUILDS ?? '').split(',').filter(Boolean).filter((n) => n !== '1');
  const names = fs.readdirSync(fixturesDir).filter((n) => !only.length || only.includes(n)).sort();
  const executed = /^(RUN|COPY|ADD|WORKDIR)\b/i;

  for (const name of names) {
    it(name, { timeout: 900_000 }, async () => {
      const dir = path.join(fixturesDir, name);
      const original = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
      const context = directoryContext(dir, path.join(dir, 'Dockerfile'));
      const rewrite = optimize(original, { context });
      const editFile = chooseEditFile(dir, [original, rewrite.text]);
      const report = await verify({
        contextDir: dir,
        original,
        rewritten: rewrite.text,
        rewrittenFiles: Object.fromEntries(rewrite.files.map((f) => [f.path, f.text])),
        editFile,
        builder: (process.env.DOCKMOD_BUILDER as 'buildah' | 'docker' | 'podman' | undefined) ?? 'buildah',
        baseImages: { 'node:20': 'localhost/node:local', 'debian:bookworm': 'localhost/debian:bookworm' },
      });
      const overlay = { ...context, readFile: (p: string) => rewrite.files.find((f) => f.path === p)?.text ?? context.readFile(p) };
      const predicted = (text: string, ctx: typeof context) =>
        simulateCache(new Document(text), ctx, [editFile])
          .stages.filter((s) => s.built)
          .flatMap((s) => s.steps)
          .filter((s) => s.status === 'cached' || s.status === 'reruns')
          .map((s) => `${s.line} ${s.instruction.split(' ')[0]}: ${s.status}`);
      // Builders print steps in their own way (continuations joined or not): steps are matched in order, by keyword.
      const observed = (steps: { text: string; cached: boolean }[], lines: string[]) =>
        steps.filter((s) => executed.test(s.text)).map((s, i) => `${lines[i]?.split(' ')[0]} ${s.text.split(' ')[0]!.toUpperCase()}: ${s.cached ? 'cached' : 'reruns'}`);
      for (const [text, ctx, rebuild] of [[original, context, report.original.rebuild], [rewrite.text, overlay, report.rewritten.rebuild]] as const) {
        const expected = predicted(text, ctx);
        expect(expected).toEqual(observed(rebuild.stepLog, expected));
        expect(expected.some((s) => s.endsWith('reruns'))).toBe(true);
      }
    });
  }
});
