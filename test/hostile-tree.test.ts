// A tree that tries to make dockmod read or write files outside it (issue #13, class 1) or puts a folder where a
// file is expected (class 13b): nothing outside is read or written, and one line on stderr says what was refused.
// Through the built CLI; run after `npm run build` (npm test does).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockmod as runCli, tempTree } from './support/cli.js';
import { directoryContext } from '../src/contexts/context.js';

const MARKER = 'SECRET-MARKER-7f3a9c';
const NODE_APP = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "index.js"]\n';
const PIP = 'FROM python:3.12\nRUN pip install flask\n';
const PIP_FIXED = 'FROM python:3.12\nRUN pip install --no-cache-dir flask\n';
const PIP_CHANGE = 'app/Dockerfile:2: pip-no-cache-dir: add --no-cache-dir to pip install';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function dockmod(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = runCli(args, cwd, { env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.split('\n').filter((l) => l && !/^dockmod: \d+ (would change|changed)/.test(l)) };
}

/** `top/repo` (a git repository) holding `files`, `top/outside/secret.txt` holding the marker. */
function hostileTree(files: Record<string, string>): { top: string; repo: string; secret: string } {
  const top = tempTree('dockmod-hostile-', { 'outside/secret.txt': `${MARKER}\n`, 'repo/.git/HEAD': 'ref: refs/heads/main\n' }, temps);
  const repo = path.join(top, 'repo');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    fs.writeFileSync(path.join(repo, rel), text);
  }
  return { top, repo, secret: path.join(top, 'outside', 'secret.txt') };
}

const nodeApp = () => hostileTree({ 'app/Dockerfile': NODE_APP, 'app/package.json': '{"name":"app","version":"1.0.0"}\n', 'app/package-lock.json': '{"lockfileVersion":3}\n', 'app/index.js': '' });

const SPLIT_REFUSED = 'app/Dockerfile:3: skipped split-copy-install: the change writes .dockerignore, which is a symbolic link to outside the build context; not written';

describe('a .dockerignore that links out of the build context', () => {
  it.each(['diff', 'json', 'sarif', 'rdjson', 'github', 'markdown'])('is not read, written or shown: --format %s --verbose', (format) => {
    const { repo } = nodeApp();
    fs.symlinkSync('../../outside/secret.txt', path.join(repo, 'app', '.dockerignore'));
    const r = dockmod(['--format', format, '--verbose', '--only', 'split-copy-install', 'app'], repo);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(MARKER);
    expect(r.lines).toEqual(['dockmod: app/.dockerignore: a symbolic link to outside the build context; not read', SPLIT_REFUSED]);
    if (format === 'diff') expect(r.stdout).toBe('');
    if (format === 'json') {
      const report = JSON.parse(r.stdout);
      expect(report.warnings).toEqual([{ path: 'app/.dockerignore', message: 'a symbolic link to outside the build context; not read' }]);
      expect(report.files[0].skips).toEqual([{ transform: 'split-copy-install', line: 3, reason: 'the change writes .dockerignore, which is a symbolic link to outside the build context; not written' }]);
    }
  });

  it('pointing at /proc/self/environ, keeps the environment out of the report', () => {
    const { repo } = nodeApp();
    fs.symlinkSync('/proc/self/environ', path.join(repo, 'app', '.dockerignore'));
    for (const format of ['diff', 'json', 'markdown']) {
      const r = dockmod(['--format', format, '--verbose', 'app'], repo, { DOCKMOD_TEST_TOKEN: MARKER });
      expect(r.stdout + r.stderr).not.toContain(MARKER);
      expect(r.lines[0]).toBe('dockmod: app/.dockerignore: a symbolic link to outside the build context; not read');
    }
  });

  it('--write leaves the link and its target as they were', () => {
    const { repo, secret } = nodeApp();
    const link = path.join(repo, 'app', '.dockerignore');
    fs.symlinkSync('../../outside/secret.txt', link);
    const r = dockmod(['--write', '--only', 'split-copy-install', 'app'], repo);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(['dockmod: app/.dockerignore: a symbolic link to outside the build context; not read']);
    expect(fs.readFileSync(secret, 'utf8')).toBe(`${MARKER}\n`);
    expect(fs.readlinkSync(link)).toBe('../../outside/secret.txt');
    expect(fs.readFileSync(path.join(repo, 'app', 'Dockerfile'), 'utf8')).toBe(NODE_APP);
    expect(fs.readdirSync(path.join(repo, '..', 'outside'))).toEqual(['secret.txt']);
  });

  it('is read when it links to a file inside the context', () => {
    const { repo } = nodeApp();
    fs.writeFileSync(path.join(repo, 'app', 'ignore.txt'), 'node_modules\n');
    fs.symlinkSync('ignore.txt', path.join(repo, 'app', '.dockerignore'));
    const r = dockmod(['--only', 'split-copy-install', 'app'], repo);
    expect(r.lines).toEqual([]);
    expect(r.stdout).toContain('+COPY package.json package-lock.json ./\n');
    expect(r.stdout).not.toContain('.dockerignore');
  });
});

describe('other files of the tree that link out', () => {
  it('a package.json: the install is left alone and the skip says why', () => {
    const { top, repo } = nodeApp();
    fs.writeFileSync(path.join(top, 'outside', 'package.json'), `{"name":"${MARKER}"}\n`);
    fs.rmSync(path.join(repo, 'app', 'package.json'));
    fs.symlinkSync('../../outside/package.json', path.join(repo, 'app', 'package.json'));
    const r = dockmod(['--format', 'json', '--verbose', '--only', 'split-copy-install', 'app'], repo);
    expect(r.stdout + r.stderr).not.toContain(MARKER);
    expect(r.lines).toEqual([
      // The settings search meets it first (a package.json may hold a "dockmod" key).
      'dockmod: app/package.json: a symbolic link to outside the searched tree; not read',
      'app/Dockerfile:3: skipped split-copy-install: `npm install`: package.json is a symbolic link to outside the build context',
    ]);
  });

  it('a bake file above the searched folder is not read', () => {
    const { repo } = hostileTree({ 'app/Dockerfile': PIP });
    fs.symlinkSync('../outside/secret.txt', path.join(repo, 'docker-bake.json'));
    const r = dockmod(['--verbose', '--only', 'pip-no-cache-dir', 'app'], repo);
    expect(r.stdout + r.stderr).not.toContain(MARKER);
    expect(r.lines).toEqual(['dockmod: docker-bake.json: a symbolic link to outside the searched tree; not read', PIP_CHANGE]);
    expect(r.stdout).toContain('+RUN pip install --no-cache-dir flask');
  });

  it('a bake file above a Dockerfile from standard input is not read', () => {
    const { repo } = hostileTree({});
    fs.symlinkSync('../outside/secret.txt', path.join(repo, 'docker-bake.json'));
    const r = runCli(['--only', 'pip-no-cache-dir', '-', '--stdin-filepath', 'app/Dockerfile'], repo, { input: PIP });
    expect(r.stdout + r.stderr).not.toContain(MARKER);
    expect(r.stderr.split('\n')[0]).toBe('dockmod: docker-bake.json: a symbolic link to outside the searched tree; not read');
  });

  it('a compose file found by the search is not read', () => {
    const { repo } = hostileTree({ 'app/Dockerfile': PIP });
    fs.symlinkSync('../outside/secret.txt', path.join(repo, 'compose.yaml'));
    const r = dockmod(['--verbose', '--only', 'pip-no-cache-dir', '.'], repo);
    expect(r.stdout + r.stderr).not.toContain(MARKER);
    expect(r.lines).toEqual(['dockmod: compose.yaml: a symbolic link to outside the searched tree; not read', PIP_CHANGE]);
  });

  it('a dockmod.config.json is not read', () => {
    const { repo } = hostileTree({ 'app/Dockerfile': PIP });
    fs.symlinkSync('../outside/secret.txt', path.join(repo, 'dockmod.config.json'));
    const r = dockmod(['app'], repo);
    expect(r.stdout + r.stderr).not.toContain(MARKER);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(['dockmod: dockmod.config.json: a symbolic link to outside the searched tree; not read']);
  });

  it('a .gitignore is not read', () => {
    const { top, repo } = hostileTree({ 'app/Dockerfile': PIP });
    fs.writeFileSync(path.join(top, 'outside', 'ignore'), 'app/\n');
    fs.symlinkSync('../outside/ignore', path.join(repo, '.gitignore'));
    const r = dockmod(['.'], repo);
    expect(r.lines).toEqual(['dockmod: .gitignore: a symbolic link to outside the searched tree; not read']);
    expect(r.stdout).toContain('+RUN pip install --no-cache-dir flask');
  });

  it('a Dockerfile found by the search is not processed, and --write leaves its target alone', () => {
    const { top, repo } = hostileTree({ 'app/Dockerfile': PIP });
    fs.writeFileSync(path.join(top, 'outside', 'Dockerfile'), PIP);
    fs.symlinkSync('../../outside/Dockerfile', path.join(repo, 'app', 'Dockerfile.outside'));
    const r = dockmod(['--write', 'app'], repo);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(['dockmod: app/Dockerfile.outside: a symbolic link to outside the searched tree; not processed']);
    expect(fs.readFileSync(path.join(repo, 'app', 'Dockerfile'), 'utf8')).toBe(PIP_FIXED);
    expect(fs.readFileSync(path.join(top, 'outside', 'Dockerfile'), 'utf8')).toBe(PIP);
  });
});

describe('a folder where a file is expected', () => {
  it('.dockerignore: the change that would write it is refused, saying so', () => {
    const { repo } = nodeApp();
    fs.mkdirSync(path.join(repo, 'app', '.dockerignore'));
    const r = dockmod(['--write', '--verbose', '--only', 'split-copy-install', 'app'], repo);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      'dockmod: app/.dockerignore: a folder, not a file; not read',
      'app/Dockerfile:3: skipped split-copy-install: the change writes .dockerignore, which is a folder, not a file; not written',
    ]);
    expect(fs.statSync(path.join(repo, 'app', '.dockerignore')).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(repo, 'app', 'Dockerfile'), 'utf8')).toBe(NODE_APP);
  });

  it('package.json: the skip says it is a folder', () => {
    const { repo } = nodeApp();
    fs.rmSync(path.join(repo, 'app', 'package.json'));
    fs.mkdirSync(path.join(repo, 'app', 'package.json'));
    const r = dockmod(['--verbose', '--only', 'split-copy-install', 'app'], repo);
    expect(r.lines).toEqual([
      'dockmod: app/package.json: a folder, not a file; not read',
      'app/Dockerfile:3: skipped split-copy-install: `npm install`: package.json is a folder, not a file',
    ]);
  });

  it('compose.yaml above the searched folder', () => {
    const { repo } = hostileTree({ 'app/Dockerfile': PIP, 'compose.yaml/x': '' });
    const r = dockmod(['--verbose', '--only', 'pip-no-cache-dir', 'app'], repo);
    expect(r.lines).toEqual(['dockmod: compose.yaml: a folder, not a file; not read', PIP_CHANGE]);
  });

  it('dockmod.config.json', () => {
    const { repo } = hostileTree({ 'app/Dockerfile': PIP, 'dockmod.config.json/x': '' });
    const r = dockmod(['app'], repo);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(['dockmod: dockmod.config.json: a folder, not a file; not read']);
  });
});

describe('verify works on its copy of the context only', () => {
  /** A context whose links lead back into it by absolute path, and a builder that builds nothing. */
  async function verifyWith(editFile: string) {
    const { top, repo } = hostileTree({ 'app/Dockerfile': PIP, 'app/src/app.py': 'print(1)\n', 'app/ignore.txt': 'build\n' });
    const context = path.join(repo, 'app');
    fs.symlinkSync(path.join(context, 'ignore.txt'), path.join(context, '.dockerignore'));
    fs.symlinkSync(path.join(context, 'src', 'app.py'), path.join(context, 'linked.py'));
    fs.mkdirSync(path.join(top, 'bin'));
    // It builds nothing; `mount` shows the same empty folder for every image, so the images compare identical.
    fs.mkdirSync(path.join(top, 'empty-image'));
    fs.writeFileSync(path.join(top, 'bin', 'buildah'), `#!/bin/sh\nfor a in "$@"; do [ "$a" = mount ] && echo '${path.join(top, 'empty-image')}'; done\nexit 0\n`, { mode: 0o755 });
    const { verify } = await import('../src/verify/verify.js');
    const savedPath = process.env.PATH;
    process.env.PATH = `${path.join(top, 'bin')}:${savedPath}`;
    try {
      const outcome = await verify({ contextDir: context, original: PIP, rewritten: PIP_FIXED, rewrittenFiles: { '.dockerignore': 'build\nnode_modules\n' }, builder: 'buildah', storageDriver: null, editFile }).then(
        (report) => report.editFile,
        (error: Error) => error.message,
      );
      return { outcome, ignore: fs.readFileSync(path.join(context, 'ignore.txt'), 'utf8'), source: fs.readFileSync(path.join(context, 'src', 'app.py'), 'utf8') };
    } finally {
      process.env.PATH = savedPath;
    }
  }

  it('a rewritten .dockerignore replaces the link in the copy instead of writing through it', async () => {
    expect(await verifyWith('src/app.py')).toEqual({ outcome: 'src/app.py', ignore: 'build\n', source: 'print(1)\n' });
  });

  it('the edit file is chosen without reading an ignore file that links out', async () => {
    const { top, repo } = hostileTree({ 'app/src/app.py': 'print(1)\n', 'app/notes.txt': 'notes\n' });
    fs.writeFileSync(path.join(top, 'outside', 'ignore'), 'src\n');
    fs.symlinkSync('../../outside/ignore', path.join(repo, 'app', '.dockerignore'));
    const { chooseEditFile } = await import('../src/verify/verify.js');
    expect(chooseEditFile(path.join(repo, 'app'), [PIP])).toBe('src/app.py');
  });

  it('an edit file whose copy leads out of the copy is refused', async () => {
    expect(await verifyWith('linked.py')).toEqual({ outcome: 'linked.py is a symbolic link out of the copied context; verify edits only files inside its copy (pass another edit file)', ignore: 'build\n', source: 'print(1)\n' });
  });
});

describe('explain', () => {
  it('names a context file it did not read, and shows nothing of it', () => {
    const { repo } = nodeApp();
    fs.symlinkSync('../../outside/secret.txt', path.join(repo, 'app', '.dockerignore'));
    for (const format of ['text', 'json']) {
      const r = dockmod(['explain', '--format', format, 'app/Dockerfile'], repo);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(MARKER);
      expect(r.lines).toEqual(['dockmod explain: app/.dockerignore: a symbolic link to outside the build context; not read']);
    }
  });
});

describe('verify (the command)', () => {
  it('names a context file it did not read', () => {
    const { top, repo } = nodeApp();
    fs.symlinkSync('../../outside/secret.txt', path.join(repo, 'app', '.dockerignore'));
    fs.mkdirSync(path.join(top, 'bin'));
    // It builds nothing; `mount` shows the same empty folder for every image, so the images compare identical.
    fs.mkdirSync(path.join(top, 'empty-image'));
    fs.writeFileSync(path.join(top, 'bin', 'buildah'), `#!/bin/sh\nfor a in "$@"; do [ "$a" = mount ] && echo '${path.join(top, 'empty-image')}'; done\nexit 0\n`, { mode: 0o755 });
    const r = dockmod(['verify', '--builder', 'buildah', 'app/Dockerfile'], repo, { PATH: `${path.join(top, 'bin')}:${process.env.PATH}` });
    expect(r.stdout + r.stderr).not.toContain(MARKER);
    expect(r.lines[0]).toBe('dockmod: app/.dockerignore: a symbolic link to outside the build context; not read');
  });
});

describe('a Dockerfile-specific ignore file outside the build context', () => {
  it('that links out of the repository is not read', () => {
    const { repo } = hostileTree({
      'compose.yaml': 'services:\n  app:\n    build:\n      context: ./app\n      dockerfile: ../docker/app.Dockerfile\n',
      'docker/app.Dockerfile': NODE_APP,
      'app/package.json': '{"name":"app","version":"1.0.0"}\n',
      'app/package-lock.json': '{"lockfileVersion":3}\n',
      'app/index.js': '',
    });
    fs.symlinkSync('../../outside/secret.txt', path.join(repo, 'docker', 'app.Dockerfile.dockerignore'));
    for (const format of ['diff', 'json', 'markdown']) {
      const r = dockmod(['--format', format, '--verbose', '.'], repo);
      expect(r.stdout + r.stderr).not.toContain(MARKER);
      expect(r.lines).toContain('dockmod: docker/app.Dockerfile.dockerignore: a symbolic link to outside the searched tree; not read');
    }
  });
});

describe('a file whose name starts with two dots', () => {
  it('is inside the build context', () => {
    const { repo } = nodeApp();
    fs.writeFileSync(path.join(repo, 'app', '..npmrc'), 'registry=http://localhost\n');
    const context = directoryContext(path.join(repo, 'app'));
    expect(context.readFile('..npmrc')).toBe('registry=http://localhost\n');
    expect(context.exists('..npmrc')).toBe(true);
    expect(context.readFile('../outside/secret.txt')).toBeUndefined();
  });
});
