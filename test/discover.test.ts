// Discovery: folders walked with .gitignore respected, node_modules/vendor/.git skipped, globs, build files.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempTree } from './support/cli.js';
import { discover } from '../src/cli/discover.js';
import { isBuildFileName, isDockerfileName } from '../src/contexts/file-names.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const tree = (files: Record<string, string>): string => tempTree('dockmod-discover-', files, temps);

const relative = (dir: string, files: string[]) => files.map((f) => path.relative(dir, f).split(path.sep).join('/'));

const MONOREPO = {
  '.git/HEAD': 'ref: refs/heads/main\n',
  '.gitignore': 'build/\n*.generated.Dockerfile\n',
  'Dockerfile': 'FROM a\n',
  'compose.yaml': 'services: {}\n',
  'services/api/Dockerfile': 'FROM a\n',
  'services/api/Dockerfile.dev': 'FROM a\n',
  'services/api/Dockerfile.dockerignore': 'x\n',
  'services/api/docker-compose.override.yml': 'services: {}\n',
  'services/web/web.Dockerfile': 'FROM a\n',
  'services/web/app.generated.Dockerfile': 'FROM a\n',
  'services/web/.gitignore': 'legacy/\n',
  'services/web/legacy/Dockerfile': 'FROM a\n',
  'build/Dockerfile': 'FROM a\n',
  'node_modules/pkg/Dockerfile': 'FROM a\n',
  'vendor/lib/Dockerfile': 'FROM a\n',
  'tools/docker-bake.hcl': 'target "x" {}\n',
  'tools/Containerfile': 'FROM a\n',
  'README.md': '# no\n',
};

describe('discover', () => {
  it('walks folders, respecting nested .gitignore files and skipping node_modules, vendor and .git', async () => {
    const dir = tree(MONOREPO);
    const found = await discover(['.'], { cwd: dir });
    expect(relative(dir, found.files)).toEqual([
      'Dockerfile',
      'services/api/Dockerfile',
      'services/api/Dockerfile.dev',
      'services/web/web.Dockerfile',
      'tools/Containerfile',
    ]);
    expect(relative(dir, found.buildFiles)).toEqual(['compose.yaml', 'services/api/docker-compose.override.yml', 'tools/docker-bake.hcl']);
    expect(found.errors).toEqual([]);
  });

  it('applies the repository root .gitignore when the search starts in a subfolder', async () => {
    const dir = tree({ ...MONOREPO, 'services/build/Dockerfile': 'FROM a\n' });
    const found = await discover(['services'], { cwd: dir });
    expect(relative(dir, found.files)).toEqual(['services/api/Dockerfile', 'services/api/Dockerfile.dev', 'services/web/web.Dockerfile']);
  });

  it('searches everything with gitignore off, but never node_modules or vendor', async () => {
    const dir = tree(MONOREPO);
    const found = await discover(['.'], { cwd: dir, gitignore: false });
    expect(relative(dir, found.files)).toEqual([
      'Dockerfile',
      'build/Dockerfile',
      'services/api/Dockerfile',
      'services/api/Dockerfile.dev',
      'services/web/app.generated.Dockerfile',
      'services/web/legacy/Dockerfile',
      'services/web/web.Dockerfile',
      'tools/Containerfile',
    ]);
  });

  it('takes a named file as it is, even an ignored one or one with another name', async () => {
    const dir = tree({ ...MONOREPO, 'images/base.txt': 'FROM a\n' });
    const found = await discover(['build/Dockerfile', 'images/base.txt'], { cwd: dir });
    expect(relative(dir, found.files)).toEqual(['build/Dockerfile', 'images/base.txt']);
  });

  it('tells the files named from those a search or a glob found, a file named through a link too', async () => {
    const dir = tree(MONOREPO);
    fs.symlinkSync('api/Dockerfile.dev', path.join(dir, 'services', 'dev.Dockerfile'));
    const found = await discover(['services', 'tools/Containerfile', 'services/dev.Dockerfile', 'Docker*'], { cwd: dir });
    expect(relative(dir, found.files)).toEqual(['Dockerfile', 'services/api/Dockerfile', 'services/api/Dockerfile.dev', 'services/web/web.Dockerfile', 'tools/Containerfile']);
    expect(relative(dir, found.named)).toEqual(['services/api/Dockerfile.dev', 'tools/Containerfile']);
  });

  it('expands globs: matched Dockerfiles are taken, matched folders searched, ignored ones left out', async () => {
    const dir = tree(MONOREPO);
    expect(relative(dir, (await discover(['services/*/Dockerfile*'], { cwd: dir })).files)).toEqual([
      'services/api/Dockerfile',
      'services/api/Dockerfile.dev',
    ]);
    expect(relative(dir, (await discover(['services/*'], { cwd: dir })).files)).toEqual([
      'services/api/Dockerfile',
      'services/api/Dockerfile.dev',
      'services/web/web.Dockerfile',
    ]);
    expect(relative(dir, (await discover(['**/*.Dockerfile'], { cwd: dir })).files)).toEqual(['services/web/web.Dockerfile']);
  });

  it('reports a missing path and a glob that matches nothing, and goes on', async () => {
    const dir = tree(MONOREPO);
    const found = await discover(['nope', 'x/**/*.Dockerfile', 'tools'], { cwd: dir });
    expect(found.errors).toEqual([
      { file: path.join(dir, 'nope'), reason: 'no such file or directory' },
      { file: 'x/**/*.Dockerfile', reason: 'no files match this glob' },
    ]);
    expect(relative(dir, found.files)).toEqual(['tools/Containerfile']);
  });

  it('finds every name a Dockerfile goes by, and no backup, editor, patch or merge leftover of one', async () => {
    const names = {
      found: [
        'Dockerfile', 'Dockerfile.prod', 'Dockerfile.expected', 'Dockerfile-build', 'Dockerfile-alpine', 'Dockerfile_dev',
        'api.Dockerfile', 'web.dockerfile', 'Containerfile', 'Containerfile.web', 'Containerfile-build', 'worker.containerfile', 'db.Containerfile',
      ],
      left: [
        'Dockerfile~', 'api.Dockerfile~', '#Dockerfile#', '.#Dockerfile', '.#api.Dockerfile', 'Dockerfile.swp', 'Dockerfile-build.swo',
        'Dockerfile.orig', 'Dockerfile.rej', 'Dockerfile.bak', 'Dockerfile_dev.BAK', 'Dockerfile.tmp', 'Containerfile.orig',
        'Dockerfile_BACKUP_4242', 'Dockerfile_LOCAL_4242.prod', 'Dockerfile_REMOTE_4242', 'Dockerfile_BASE_4242',
        'Dockerfile.dockerignore', 'Dockerfile-build.dockerignore', 'Containerfile.containerignore', '.Dockerfile.dockmod-tmp-1',
        'dockerfile-notes.md', 'Dockerfiles', 'Makefile',
      ],
    };
    const dir = tree(Object.fromEntries([...names.found, ...names.left].map((n) => [`images/${n}`, 'FROM a\n'])));
    const found = await discover(['.'], { cwd: dir, gitignore: false });
    expect(relative(dir, found.files)).toEqual(names.found.map((n) => `images/${n}`).sort());
  });

  it('finds a lowercase dockerfile where its folder has no Dockerfile, as Docker and BuildKit build it', async () => {
    const dir = tree({ 'leantime/.dev/dockerfile': 'FROM a\n', 'both/Dockerfile': 'FROM a\n', 'both/dockerfile': 'FROM b\n', 'placeholder/dockerfile': '' });
    const found = await discover(['.'], { cwd: dir, gitignore: false });
    expect(relative(dir, found.files)).toEqual(['both/Dockerfile', 'leantime/.dev/dockerfile']);
  });

  it('names Dockerfiles and build files', () => {
    expect(['Dockerfile', 'Dockerfile.prod', 'api.Dockerfile', 'x.dockerfile', 'Containerfile'].every(isDockerfileName)).toBe(true);
    expect(['Dockerfile.dockerignore', 'dockerfile', 'Makefile', '.Dockerfile.dockmod-tmp-1'].some(isDockerfileName)).toBe(false);
    expect(['compose.yaml', 'compose.yml', 'compose.prod.yaml', 'docker-compose.yml', 'docker-compose.override.yaml', 'docker-bake.hcl', 'docker-bake.json', 'docker-bake.override.hcl'].every(isBuildFileName)).toBe(true);
    expect(['compose.json', 'my-compose.yml', 'bake.hcl'].some(isBuildFileName)).toBe(false);
  });
});
