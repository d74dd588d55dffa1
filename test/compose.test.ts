// Build contexts from compose and bake files, and the CLI using them: a Dockerfile whose context is a parent
// folder gets that folder's manifests, and its .dockerignore goes to that folder.
import fs from 'node:fs';
import path from 'node:path';
import { tempTree, dockmod } from './support/cli.js';
import { afterEach, describe, expect, it } from 'vitest';
import { composeBuilds } from '../src/contexts/compose.js';
import { bakeBuilds } from '../src/contexts/bake.js';
import { resolveContexts } from '../src/contexts/build-contexts.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const tree = (files: Record<string, string>): string => tempTree('dockmod-compose-', files, temps);

const NODE_DOCKERFILE = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n';

describe('composeBuilds', () => {
  it('reads the short and long forms, with dockerfile relative to the context', async () => {
    const text = [
      'services:',
      '  api:',
      '    build:',
      '      context: .',
      '      dockerfile: services/api/Dockerfile',
      '  web:',
      '    build: ./services/web',
      '  worker:',
      '    build:',
      '      context: services/worker',
      '      dockerfile: Dockerfile.prod',
      '  db:',
      '    image: postgres',
      '  remote:',
      '    build: https://github.com/example/app.git#main',
      '  templated:',
      '    build:',
      '      context: ${APP_DIR}',
      '  inline:',
      '    build:',
      '      dockerfile_inline: FROM alpine',
    ].join('\n');
    const r = await composeBuilds('/repo/compose.yaml', text);
    expect(r.builds).toEqual([
      { dockerfile: '/repo/services/api/Dockerfile', context: '/repo', origin: 'compose.yaml: service api' },
      { dockerfile: '/repo/services/web/Dockerfile', context: '/repo/services/web', origin: 'compose.yaml: service web' },
      { dockerfile: '/repo/services/worker/Dockerfile.prod', context: '/repo/services/worker', origin: 'compose.yaml: service worker' },
    ]);
    expect(r.notes).toEqual([
      'compose.yaml: service remote: context https://github.com/example/app.git#main is not a local folder',
      'compose.yaml: service templated: context or dockerfile uses a variable',
    ]);
  });

  it('follows YAML anchors and merge keys', async () => {
    const text = 'x-build: &b\n  context: .\n  dockerfile: api/Dockerfile\nservices:\n  api:\n    build:\n      <<: *b\n';
    expect((await composeBuilds('/r/docker-compose.yml', text)).builds).toEqual([
      { dockerfile: '/r/api/Dockerfile', context: '/r', origin: 'docker-compose.yml: service api' },
    ]);
  });

  it("reads a large file of shared x- anchors used by every service (sentry's self-hosted shape)", async () => {
    // 40 services merge a policy, then 40 merge defaults that merge that policy too: yaml's guard measures 40 uses
    // times 41 earlier uses (about 1,600, as sentry's file), over its default and still an ordinary compose file.
    const service = (k: number, anchor: string) => `  svc${k}:\n    <<: *${anchor}\n    build: ./svc${k}\n`;
    const services = Array.from({ length: 80 }, (_, k) => service(k, k < 40 ? 'policy' : 'defaults'));
    const text = `x-policy: &policy\n  restart: unless-stopped\nx-defaults: &defaults\n  <<: *policy\n  environment: {A: "1"}\nservices:\n${services.join('')}`;
    const { builds } = await composeBuilds('/r/docker-compose.yml', text);
    expect(builds).toHaveLength(80);
    expect(builds[79]).toEqual({ dockerfile: '/r/svc79/Dockerfile', context: '/r/svc79', origin: 'docker-compose.yml: service svc79' });
  });

  it('refuses a billion-laughs file (aliases of aliases, ten deep) quickly instead of expanding it', async () => {
    const levels = ['x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let k = 1; k <= 10; k++) levels.push(`x${k}: &x${k} [${Array(10).fill(`*x${k - 1}`).join(', ')}]`);
    const text = `${levels.join('\n')}\nservices:\n  api:\n    build: .\n    labels: *x10\n`;
    const start = Date.now();
    await expect(composeBuilds('/r/docker-compose.yml', text)).rejects.toThrow(/alias/);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('throws on text that is not YAML', async () => {
    await expect(composeBuilds('/r/compose.yaml', 'services: [\n')).rejects.toThrow();
  });
});

describe('bakeBuilds', () => {
  it('reads HCL targets (in name order) with defaults, inherits and variables', async () => {
    const hcl = [
      'variable "TAG" { default = "latest" }',
      'group "default" { targets = ["api", "web"] }',
      'target "base" { context = "." }',
      'target "api" {',
      '  inherits = ["base"]',
      '  dockerfile = "services/api/Dockerfile"',
      '  tags = ["api:${TAG}"]',
      '}',
      'target "web" { context = "services/web" }',
      'target "other" { context = "${DIR}" }',
    ].join('\n');
    const r = await bakeBuilds('/repo/docker-bake.hcl', hcl);
    expect(r.builds).toEqual([
      { dockerfile: '/repo/services/api/Dockerfile', context: '/repo', origin: 'docker-bake.hcl: target api' },
      { dockerfile: '/repo/Dockerfile', context: '/repo', origin: 'docker-bake.hcl: target base' },
      { dockerfile: '/repo/services/web/Dockerfile', context: '/repo/services/web', origin: 'docker-bake.hcl: target web' },
    ]);
    expect(r.notes).toEqual(['docker-bake.hcl: target other: context or dockerfile uses a variable']);
  });

  it('reads JSON bake files', async () => {
    const json = JSON.stringify({ target: { api: { context: 'api', dockerfile: 'Dockerfile.prod' } } });
    expect((await bakeBuilds('/repo/docker-bake.json', json)).builds).toEqual([
      { dockerfile: '/repo/api/Dockerfile.prod', context: '/repo/api', origin: 'docker-bake.json: target api' },
    ]);
  });
});

describe('resolveContexts', () => {
  it('finds build files above a Dockerfile up to the repository root, and gives every context of a Dockerfile', async () => {
    const dir = tree({
      'compose.yaml': 'services:\n  api:\n    build:\n      context: .\n      dockerfile: services/api/Dockerfile\n',
      '.git/HEAD': '',
      'services/docker-bake.json': JSON.stringify({ target: { api: { context: 'api' } } }),
      'services/api/Dockerfile': NODE_DOCKERFILE,
      'services/web/Dockerfile': NODE_DOCKERFILE,
    });
    const api = path.join(dir, 'services/api/Dockerfile');
    const web = path.join(dir, 'services/web/Dockerfile');
    const r = await resolveContexts([api, web], []);
    expect([...r.contexts]).toEqual([[api, [dir, path.join(dir, 'services/api')]]]);
    expect(r.warnings).toEqual([]);
  });

  it("gives a build of the default Dockerfile to a folder's lowercase dockerfile when it has no Dockerfile", async () => {
    const dir = tree({ '.git/HEAD': '', 'compose.yaml': 'services:\n  app:\n    build: .dev\n', '.dev/dockerfile': NODE_DOCKERFILE });
    const lowercase = path.join(dir, '.dev/dockerfile');
    const r = await resolveContexts([lowercase], []);
    expect([...r.contexts]).toEqual([[lowercase, [path.join(dir, '.dev')]]]);
  });

  it('warns about a build file it cannot read and goes on', async () => {
    const dir = tree({ '.git/HEAD': '', 'docker-compose.yml': 'services: [\n', 'Dockerfile': NODE_DOCKERFILE });
    const r = await resolveContexts([path.join(dir, 'Dockerfile')], []);
    expect(r.contexts.size).toBe(0);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/docker-compose\.yml: cannot read build contexts: /);
  });
});

describe('dockmod with compose contexts', () => {
  const monorepo = () =>
    tree({
      '.git/HEAD': '',
      'compose.yaml': 'services:\n  api:\n    build:\n      context: .\n      dockerfile: services/api/Dockerfile\n',
      'package.json': '{"name":"root","private":true}\n',
      'package-lock.json': '{}\n',
      'services/api/Dockerfile': NODE_DOCKERFILE,
      'services/api/index.js': '',
    });

  it('splits the install of a Dockerfile built with the repository root as context, using the root manifests', () => {
    const dir = monorepo();
    const r = dockmod(['--only', 'split-copy-install', '.'], dir);
    expect(r.stdout).toBe(
      [
        'diff --git a/services/api/Dockerfile b/services/api/Dockerfile',
        '--- a/services/api/Dockerfile',
        '+++ b/services/api/Dockerfile',
        '@@ -1,5 +1,6 @@',
        ' FROM node:20',
        ' WORKDIR /app',
        '-COPY . .',
        '+COPY package.json package-lock.json ./',
        ' RUN npm ci',
        '+COPY . .',
        ' CMD ["node", "index.js"]',
        'diff --git a/.dockerignore b/.dockerignore',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/.dockerignore',
        '@@ -1,0 +1,1 @@',
        '+node_modules',
        '',
      ].join('\n'),
    );
    expect(r.status).toBe(0);
    // The Dockerfile's own folder has no manifest: without compose there is nothing to split.
    expect(dockmod(['--only', 'split-copy-install', '--context', 'services/api', '.'], dir).stdout).toBe('');
  });

  it('--write puts the .dockerignore at the context root, and a second run changes nothing', () => {
    const dir = monorepo();
    expect(dockmod(['--write', '.'], dir).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toBe('node_modules\n');
    expect(fs.existsSync(path.join(dir, 'services/api/.dockerignore'))).toBe(false);
    expect(dockmod(['--only', 'split-copy-install', '.'], dir).stdout).toBe('');
  });

  it('refuses, with the reason, a Dockerfile whose two contexts call for different rewrites', () => {
    const dir = monorepo();
    fs.writeFileSync(path.join(dir, 'docker-bake.json'), JSON.stringify({ target: { api: { context: 'services/api' } } }));
    const r = dockmod(['.'], dir);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `dockmod: services/api/Dockerfile: built with 2 contexts (${dir}, ${path.join(dir, 'services/api')}) that call for different rewrites; run it alone with --context to pick one\n`,
    );
    expect(r.status).toBe(2);
  });
});

// The ignore file a build applies, and edits to it that must not change another build of the same context.
describe('dockmod and the ignore file of each build', () => {
  const PACKAGE = { 'package.json': '{"name":"app","version":"1.0.0"}\n', 'package-lock.json': '{}\n', 'index.js': '' };

  it('edits `<Dockerfile>.dockerignore` beside a Dockerfile that compose builds with a parent context, not the root .dockerignore', () => {
    const dir = tree({
      '.git/HEAD': '',
      'compose.yaml': 'services:\n  app:\n    build:\n      context: .\n      dockerfile: docker/app.Dockerfile\n',
      'docker/app.Dockerfile': NODE_DOCKERFILE.replace('npm ci', 'npm install'),
      'docker/app.Dockerfile.dockerignore': 'package-lock.json\n',
      '.dockerignore': '.git\n',
      ...PACKAGE,
    });
    const r = dockmod(['--only', 'split-copy-install', 'docker/app.Dockerfile'], dir);
    expect(r.stdout).toBe(
      [
        'diff --git a/docker/app.Dockerfile b/docker/app.Dockerfile',
        '--- a/docker/app.Dockerfile',
        '+++ b/docker/app.Dockerfile',
        '@@ -1,5 +1,6 @@',
        ' FROM node:20',
        ' WORKDIR /app',
        '-COPY . .',
        '+COPY package.json ./',
        ' RUN npm install',
        '+COPY . .',
        ' CMD ["node", "index.js"]',
        'diff --git a/docker/app.Dockerfile.dockerignore b/docker/app.Dockerfile.dockerignore',
        '--- a/docker/app.Dockerfile.dockerignore',
        '+++ b/docker/app.Dockerfile.dockerignore',
        '@@ -1,1 +1,2 @@',
        ' package-lock.json',
        '+node_modules',
        '',
      ].join('\n'),
    );
    expect(r.status).toBe(0);
  });

  it('does not add node_modules to a .dockerignore that another Dockerfile of the context (not named on the command line) copies it through', () => {
    const runtime = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD ["node", "index.js"]\n';
    const dir = tree({ 'Dockerfile': NODE_DOCKERFILE, 'Dockerfile.runtime': runtime, '.dockerignore': '.git\n', ...PACKAGE });
    const r = dockmod(['--verbose', '--only', 'split-copy-install', 'Dockerfile'], dir);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'Dockerfile:3: skipped split-copy-install: `npm ci`: node_modules must be left out of the source copy, but .dockerignore is also the ignore file of Dockerfile.runtime, whose `COPY . .` (line 3) needs node_modules; not edited\n',
    );
    // With its own ignore file, Dockerfile.runtime no longer reads .dockerignore.
    fs.writeFileSync(path.join(dir, 'Dockerfile.runtime.dockerignore'), '.git\n');
    expect(dockmod(['--only', 'split-copy-install', 'Dockerfile'], dir).stdout).toContain('+node_modules\n');
  });

  it('counts a compose build of the same context with a Dockerfile elsewhere as a user of the .dockerignore', () => {
    const dir = tree({
      '.git/HEAD': '',
      'compose.yaml': 'services:\n  app:\n    build: .\n  worker:\n    build:\n      context: .\n      dockerfile: docker/worker.Dockerfile\n',
      'Dockerfile': NODE_DOCKERFILE,
      'docker/worker.Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY index.js ./\nCOPY node_modules/ ./node_modules/\nCMD ["node", "index.js"]\n',
      ...PACKAGE,
    });
    const r = dockmod(['--verbose', '--only', 'split-copy-install', 'Dockerfile'], dir);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'but .dockerignore is also the ignore file of docker/worker.Dockerfile, whose `COPY node_modules/ ./node_modules/` (line 4) needs node_modules; not edited\n',
    );
  });

  it('--write leaves a .dockerignore that is not UTF-8 alone and says why, instead of failing on it', () => {
    const ignore = Buffer.from('.git\n# caf\xe9\n', 'latin1');
    const dir = tree({ 'Dockerfile': NODE_DOCKERFILE, ...PACKAGE });
    fs.writeFileSync(path.join(dir, '.dockerignore'), ignore);
    const r = dockmod(['--write', '--verbose', '--only', 'split-copy-install', '.'], dir);
    expect(r.stderr).toContain('Dockerfile:3: skipped split-copy-install: `npm ci`: node_modules must be left out of the source copy, but .dockerignore is not valid UTF-8; not edited\n');
    expect(r.stderr).not.toContain('changed on disk');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, '.dockerignore')).equals(ignore)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(NODE_DOCKERFILE);
  });
});
