// Lifecycle scripts of package.json as split-copy-install reads them: which ones the install runs, the commands
// that need no project file, the files a script names (copied with the manifests), and refusals naming the script.
import { describe, expect, it } from 'vitest';
import { memoryContext } from '../src/contexts/context.js';
import { matchInstall } from '../src/tools/installs.js';
import { optimize } from '../src/index.js';

/** The manifests (or the refusal) of the install `command` run in `dir` of a context holding `files`. */
function manifestsOf(command: string, files: Record<string, string>, dir = '') {
  const argv = command.split(' ');
  const match = matchInstall(argv);
  if (!match) throw new Error(`${command} is not an install`);
  const result = match.installer.manifests(argv, dir, memoryContext(files), (p) => p, () => undefined);
  return 'refuse' in result ? result : result.files;
}

const pkg = (scripts: Record<string, string>, more: Record<string, unknown> = {}) => JSON.stringify({ name: 'app', scripts, ...more });

describe('lifecycle scripts that need no project file', () => {
  it.each([
    ['npx only-allow pnpm'],
    ['only-allow pnpm'],
    ['echo "installed $npm_package_name"'],
    ['is-ci || echo not ci'],
    ['exit 0'],
    ['true && :'],
    ['pnpm dlx only-allow pnpm'],
    ['npx --yes only-allow npm; echo done'],
  ])('%s does not refuse', (script) => {
    expect(manifestsOf('npm ci', { 'package.json': pkg({ preinstall: script }) })).toEqual(['package.json']);
  });

  it('husky sets up hooks only in a git repository: without .git in the context it writes nothing', () => {
    expect(manifestsOf('npm ci', { 'package.json': pkg({ prepare: 'husky' }) })).toEqual(['package.json']);
    expect(manifestsOf('npm ci', { 'package.json': pkg({ prepare: 'is-ci || husky install' }) })).toEqual(['package.json']);
  });

  it('husky with .git in the context writes hooks into it: refused only where the source copy brings .git', () => {
    const argv = ['npm', 'ci'];
    const result = matchInstall(argv)!.installer.manifests(argv, '', memoryContext({ 'package.json': pkg({ prepare: 'husky' }), '.git/HEAD': 'ref: refs/heads/main\n' }), (p) => p, () => undefined);
    expect(result).toEqual({
      files: ['package.json'],
      optional: [],
      shadowed: [{ entry: 'node_modules', paths: ['node_modules'] }],
      unlessLeftOut: [{ path: '.git', refuse: 'package.json\'s "prepare" script runs `husky`, which sets up git hooks in the .git folder the source copy brings: after the split it would run before .git is copied and set up none' }],
    });
  });

  it('a workspace package runs its scripts too (pnpm), read the same way', () => {
    const files = {
      'package.json': pkg({}),
      'pnpm-workspace.yaml': 'packages:\n  - ui\n',
      'ui/package.json': pkg({ preinstall: 'npx only-allow pnpm' }),
    };
    expect(manifestsOf('pnpm install', files)).toEqual(['package.json', 'pnpm-workspace.yaml', 'ui/package.json']);
  });
});

describe('files a lifecycle script names join the manifests', () => {
  it('node <file>, with the static relative modules it loads, transitively', () => {
    const files = {
      'package.json': pkg({ postinstall: 'node ./scripts/postinstall.js --quiet' }),
      'scripts/postinstall.js': "const { banner } = require('./lib/banner');\nconst path = require('node:path');\nconsole.log(banner(path.sep));\n",
      'scripts/lib/banner.js': "import os from 'os';\nexport { when } from '../when.mjs';\nexport const banner = (s) => `ready${s}${os.EOL}`;\n",
      'scripts/when.mjs': "export const when = () => import('./data.json', { with: { type: 'json' } });\n",
      'scripts/data.json': '{}',
      'src/index.js': 'not read',
    };
    expect(manifestsOf('npm ci', files)).toEqual(['package.json', 'scripts/postinstall.js', 'scripts/lib/banner.js', 'scripts/when.mjs', 'scripts/data.json']);
  });

  it('sh <file> and bash <file>: the script file is read as a script, its commands by the same rules', () => {
    const files = {
      'package.json': pkg({ postinstall: 'sh scripts/setup.sh' }),
      'scripts/setup.sh': '#!/bin/sh\nset -eu\necho setting up\nbash scripts/more.sh\n',
      'scripts/more.sh': 'node scripts/note.js\n',
      'scripts/note.js': 'console.log(1)\n',
    };
    expect(manifestsOf('npm ci', files)).toEqual(['package.json', 'scripts/setup.sh', 'scripts/more.sh', 'scripts/note.js']);
  });

  it('a script file run by its path is read as its #! line says: a shell script (or none: sh runs it), a node script; another interpreter refuses', () => {
    const files = {
      'package.json': pkg({ postinstall: 'bin/update-workbox.sh && ./scripts/note.js' }),
      'bin/update-workbox.sh': '#!/usr/bin/env bash\nset -e\necho updating\n',
      'scripts/note.js': '#!/usr/bin/env node\nconsole.log(1)\n',
    };
    expect(manifestsOf('npm ci', files)).toEqual(['package.json', 'bin/update-workbox.sh', 'scripts/note.js']);
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: './setup' }), setup: 'echo no interpreter line\n' })).toEqual(['package.json', 'setup']);
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: './setup.py' }), 'setup.py': '#!/usr/bin/env python3\nprint(1)\n' })).toEqual({
      refuse: 'package.json\'s "postinstall" script runs setup.py, a script for python3, which may need the sources',
    });
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: 'bin/missing.sh' }) })).toEqual({ refuse: 'package.json\'s "postinstall" script runs bin/missing.sh, which is not in the build context' });
  });

  it('a workspace script names files relative to its own folder', () => {
    const files = {
      'package.json': pkg({}, { workspaces: ['packages/*'] }),
      'packages/a/package.json': pkg({ postinstall: 'node install.js' }),
      'packages/a/install.js': 'console.log(1)\n',
    };
    expect(manifestsOf('npm ci', files)).toEqual(['package.json', 'packages/a/package.json', 'packages/a/install.js']);
  });

  it('prisma generate: the schema at its default place, package.json "prisma.schema", or --schema; a schema folder whole', () => {
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: 'prisma generate' }), 'prisma/schema.prisma': 'generator client {\n  provider = "prisma-client-js"\n}\n' })).toEqual(['package.json', 'prisma/schema.prisma']);
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: 'prisma generate' }), 'schema.prisma': '' })).toEqual(['package.json', 'schema.prisma']);
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: 'npx prisma generate' }, { prisma: { schema: 'db/app.prisma' } }), 'db/app.prisma': '' })).toEqual(['package.json', 'db/app.prisma']);
    expect(
      manifestsOf('npm ci', { 'package.json': pkg({ postinstall: 'prisma generate --schema=db/schema' }), 'db/schema/main.prisma': '', 'db/schema/models/user.prisma': '', 'db/schema/README.md': '' }),
    ).toEqual(['package.json', 'db/schema/main.prisma', 'db/schema/models/user.prisma']);
  });

  it('patch-package: its patch folder', () => {
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: 'patch-package --patch-dir fixes && echo patched' }), 'fixes/a+1.0.0.patch': 'x' })).toEqual(['package.json', 'fixes/a+1.0.0.patch']);
  });
});

describe('lifecycle scripts that may need the sources refuse, naming the script', () => {
  const refusal = (scripts: Record<string, string>, files: Record<string, string> = {}, command = 'npm ci') =>
    manifestsOf(command, { 'package.json': pkg(scripts), ...files });

  it('an unknown command', () => {
    expect(refusal({ postinstall: 'ngcc --properties es2015' })).toEqual({ refuse: 'package.json\'s "postinstall" script runs `ngcc`, which may need the sources' });
  });

  it('in a workspace package', () => {
    const files = { 'package.json': pkg({}, { workspaces: ['ui'] }), 'ui/package.json': pkg({ prepare: 'echo a && tsc' }) };
    expect(manifestsOf('npm ci', files)).toEqual({ refuse: 'ui/package.json\'s "prepare" script runs `tsc`, which builds the project from its sources', certain: true });
  });

  it('a script that is more than a chain of simple commands', () => {
    expect(refusal({ preinstall: 'echo $(cat src/version)' })).toEqual({ refuse: 'package.json\'s "preinstall" script (`echo $(cat src/version)`) is not a chain of simple commands, so what it reads is not known' });
    expect(refusal({ preinstall: 'echo x > src/out' })).toEqual({ refuse: 'package.json\'s "preinstall" script (`echo x > src/out`) is not a chain of simple commands, so what it reads is not known' });
  });

  it('a file it names that is not in the build context', () => {
    expect(refusal({ postinstall: 'node scripts/postinstall.js' })).toEqual({ refuse: 'package.json\'s "postinstall" script runs scripts/postinstall.js, which is not in the build context' });
  });

  it('a node script that loads the file system, a package, or a module through a variable', () => {
    expect(refusal({ postinstall: 'node setup.js' }, { 'setup.js': "require('./lib')", 'lib.js': "const fs = require('fs'); fs.readFileSync('src/x');" })).toEqual({
      refuse: 'package.json\'s "postinstall" script runs setup.js, whose module lib.js loads `fs`, which can read any file',
    });
    expect(refusal({ postinstall: 'node setup.js' }, { 'setup.js': "import 'fs-extra';" })).toEqual({
      refuse: 'package.json\'s "postinstall" script runs setup.js, which loads the package `fs-extra`, whose reads dockmod does not know',
    });
    expect(refusal({ postinstall: 'node setup.js' }, { 'setup.js': 'require(`./${process.env.X}`)' })).toEqual({
      refuse: 'package.json\'s "postinstall" script runs setup.js, which loads a module named at run time',
    });
  });

  it('node with options or code instead of a file', () => {
    expect(refusal({ postinstall: "node -e 'console.log(1)'" })).toEqual({ refuse: 'package.json\'s "postinstall" script runs `node -e`, which may need the sources' });
  });

  it('prisma generate whose generator writes into a folder the source copy brings', () => {
    const schema = 'generator client {\n  provider = "prisma-client"\n  output   = "../src/generated"\n}\n';
    expect(refusal({ postinstall: 'prisma generate' }, { 'prisma/schema.prisma': schema, 'src/generated/index.ts': 'old' })).toEqual({
      refuse: 'package.json\'s "postinstall" script runs `prisma generate`, which writes src/generated, which the source copy would then overwrite',
    });
    expect(refusal({ postinstall: 'prisma generate' }, { 'prisma/schema.prisma': schema })).toEqual(['package.json', 'prisma/schema.prisma']);
  });

  it('prisma generate with a prisma.config.ts, which dockmod does not evaluate, or no schema', () => {
    expect(refusal({ postinstall: 'prisma generate' }, { 'prisma.config.ts': 'export default {}', 'prisma/schema.prisma': '' })).toEqual({
      refuse: 'package.json\'s "postinstall" script runs `prisma generate`, whose schema prisma.config.ts names, which dockmod does not evaluate',
    });
    expect(refusal({ postinstall: 'prisma generate' })).toEqual({ refuse: 'package.json\'s "postinstall" script runs `prisma generate`, whose schema is not in the build context' });
  });

  it('names a later step that builds the project before an earlier one dockmod only cannot read', () => {
    const config = { 'prisma.config.ts': 'export default {}', 'prisma/schema.prisma': '' };
    expect(refusal({ postinstall: 'prisma generate && nest start' }, config)).toEqual({ refuse: 'package.json\'s "postinstall" script runs `nest start`, which builds the project from its sources', certain: true });
    expect(refusal({ preinstall: 'prisma generate', postinstall: 'tsc -p .' }, config)).toEqual({ refuse: 'package.json\'s "postinstall" script runs `tsc -p .`, which builds the project from its sources', certain: true });
    // `nest info` builds nothing: the first reason stands.
    expect(refusal({ postinstall: 'prisma generate && nest info' }, config)).toEqual({ refuse: 'package.json\'s "postinstall" script runs `prisma generate`, whose schema prisma.config.ts names, which dockmod does not evaluate' });
  });

  it('npm runs prepublish and the prepare family on install too; pnpm its root pnpm:devPreinstall', () => {
    expect(refusal({ prepublish: 'tsc' })).toEqual({ refuse: 'package.json\'s "prepublish" script runs `tsc`, which builds the project from its sources', certain: true });
    expect(refusal({ postprepare: 'tsc' })).toEqual({ refuse: 'package.json\'s "postprepare" script runs `tsc`, which builds the project from its sources', certain: true });
    expect(refusal({ 'pnpm:devPreinstall': 'tsc' }, {}, 'pnpm install')).toEqual({ refuse: 'package.json\'s "pnpm:devPreinstall" script runs `tsc`, which builds the project from its sources', certain: true });
    expect(refusal({ build: 'tsc', prestart: 'tsc' })).toEqual(['package.json']);
  });

  it('binding.gyp without an install script: the install runs `node-gyp rebuild`, which compiles the sources', () => {
    expect(refusal({}, { 'binding.gyp': '{}' })).toEqual({ refuse: 'package.json has no "install" script but a binding.gyp, so the install runs `node-gyp rebuild`, which compiles the sources' });
  });
});

describe('scripts that do not run', () => {
  it('--ignore-scripts on the install', () => {
    expect(manifestsOf('npm ci --ignore-scripts', { 'package.json': pkg({ postinstall: 'ngcc' }) })).toEqual(['package.json']);
  });

  it('ignore-scripts=true in the project .npmrc (npm, pnpm)', () => {
    const files = { 'package.json': pkg({ postinstall: 'ngcc' }), '.npmrc': '; settings\nignore-scripts = true\n' };
    expect(manifestsOf('npm ci', files)).toEqual(['package.json', '.npmrc']);
    expect(manifestsOf('pnpm install', files)).toEqual(['package.json', '.npmrc']);
    expect(manifestsOf('npm ci', { ...files, '.npmrc': 'ignore-scripts=false\n' })).toEqual({ refuse: 'package.json\'s "postinstall" script runs `ngcc`, which may need the sources' });
  });
});

describe('split-copy-install with husky and a .git in the context', () => {
  const dockerfile = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n';
  const tree = (ignore: string) => ({ 'package.json': pkg({ prepare: 'husky' }), 'package-lock.json': '{}', '.git/HEAD': 'ref: refs/heads/main\n', '.dockerignore': ignore });
  const split = (ignore: string) => optimize(dockerfile, { context: memoryContext(tree(ignore)), only: ['split-copy-install'] });

  it('splits when the ignore file leaves .git out: husky finds no .git before or after', () => {
    expect(split('node_modules\n.git\n').text).toBe('FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n');
  });

  it('refuses when the source copy brings .git, naming the script', () => {
    const result = split('node_modules\n');
    expect(result.text).toBe(dockerfile);
    expect(result.skips.map((s) => s.reason)).toEqual([
      '`npm ci`: package.json\'s "prepare" script runs `husky`, which sets up git hooks in the .git folder the source copy brings: after the split it would run before .git is copied and set up none',
    ]);
  });
});

describe('copy-files-from-to: its config and the context files it names join the manifests', () => {
  const withConfig = (script: string, config: unknown, files: Record<string, string> = {}, name = 'copy-files-from-to.json') => ({
    'package.json': pkg({ postinstall: script }),
    [name]: JSON.stringify(config),
    ...files,
  });

  it('finds copy-files-from-to.cjson, then copy-files-from-to.json, then package.json', () => {
    const entry = (from: string) => ({ copyFiles: [{ from, to: 'public/' }] });
    const files = { 'a.js': '', 'b.js': '', 'c.js': '' };
    expect(manifestsOf('npm ci', { ...withConfig('copy-files-from-to', entry('a.js'), files), 'copy-files-from-to.cjson': JSON.stringify(entry('b.js')) })).toEqual(['package.json', 'copy-files-from-to.cjson', 'b.js']);
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to', entry('a.js'), files))).toEqual(['package.json', 'copy-files-from-to.json', 'a.js']);
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: 'npx -y copy-files-from-to' }, entry('c.js')), ...files })).toEqual(['package.json', 'c.js']);
  });

  it('--config names it, and its paths are relative to its folder', () => {
    const files = withConfig('copy-files-from-to --config=build/copy.json --silent', { copyFiles: [{ from: 'assets/a.png', to: '../public/a.png' }] }, { 'build/assets/a.png': '' }, 'build/copy.json');
    expect(manifestsOf('npm ci', files)).toEqual(['package.json', 'build/copy.json', 'build/assets/a.png']);
  });

  it('--mode picks each entry\'s paths (else "default"); skipped, "only", remote and node_modules entries read nothing of the context', () => {
    const config = {
      copyFiles: [
        { from: { default: 'dev.js', production: 'prod.js' }, to: 'public/app.js' },
        { from: { default: { skip: true }, production: { src: 'extra.js' } }, to: 'public/extra.js' },
        { from: 'https://example.com/lib.js', to: 'public/lib.js' },
        { from: 'node_modules/lib/dist/lib.js', to: 'public/lib.js' },
      ],
    };
    const files = { 'dev.js': '', 'prod.js': '', 'extra.js': '' };
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to', config, files))).toEqual(['package.json', 'copy-files-from-to.json', 'dev.js']);
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to --mode production', config, files))).toEqual(['package.json', 'copy-files-from-to.json', 'prod.js', 'extra.js']);
    const only = { copyFiles: [{ from: 'dev.js', to: 'a.js' }, { from: 'prod.js', to: 'b.js', only: true }] };
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to', only, files))).toEqual(['package.json', 'copy-files-from-to.json', 'prod.js']);
  });

  it('a folder brings its files, dot files unless ignoreDotFilesAndFolders', () => {
    const files = { 'static/a.css': '', 'static/.keep': '', 'static/img/b.png': '' };
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to', { copyFiles: [{ from: 'static', to: 'public' }] }, files))).toEqual(['package.json', 'copy-files-from-to.json', 'static/.keep', 'static/a.css', 'static/img/b.png']);
    const noDots = { copyFiles: [{ from: 'static', to: 'public' }], copyFilesSettings: { ignoreDotFilesAndFolders: true } };
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to', noDots, files))).toEqual(['package.json', 'copy-files-from-to.json', 'static/a.css', 'static/img/b.png']);
  });

  it('refuses what it cannot read, naming it', () => {
    const cmd = 'package.json\'s "postinstall" script runs `copy-files-from-to`';
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to', { copyFiles: [{ from: 'missing.js', to: 'a.js' }] }))).toEqual({ refuse: `${cmd}, which copies missing.js, which is not in the build context` });
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to', { copyFiles: [{ from: '../shared/x.js', to: 'a.js' }] }))).toEqual({ refuse: `${cmd}, which copies ../shared/x.js, outside the build context` });
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to', { copyFiles: [{ from: ['src/*.js', { cwd: 'x' }], to: 'a/' }] }))).toEqual({ refuse: `${cmd}, and copy-files-from-to.json gives fast-glob settings in a "from" list, which dockmod does not follow` });
    expect(manifestsOf('npm ci', { 'package.json': pkg({ postinstall: 'copy-files-from-to' }), 'copy-files-from-to.cjson': '// comments\n{}' })).toEqual({ refuse: `${cmd}, whose config copy-files-from-to.cjson is not JSON that dockmod parses` });
    expect(manifestsOf('npm ci', withConfig('copy-files-from-to --outdated', { copyFiles: [] }))).toEqual({ refuse: `${cmd} with \`--outdated\`, which dockmod does not read` });
  });

  it('overwriting a file the source copy brings is refused only where the copy brings it', () => {
    const argv = ['npm', 'ci'];
    const files = withConfig('copy-files-from-to --when-file-exists overwrite', { copyFiles: [{ from: 'node_modules/lib/lib.js', to: 'public/lib.js' }] }, { 'public/lib.js': '' });
    const result = matchInstall(argv)!.installer.manifests(argv, '', memoryContext(files), (p) => p, () => undefined);
    expect(result).toMatchObject({
      files: ['package.json', 'copy-files-from-to.json'],
      unlessLeftOut: [{ path: 'public/lib.js', refuse: 'package.json\'s "postinstall" script runs `copy-files-from-to`, which overwrites public/lib.js (whenFileExists "overwrite"), a file the source copy brings: after the split the source copy would put it back over the copied one' }],
    });
  });
});
