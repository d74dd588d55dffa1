// Ruby (Bundler), PHP (Composer) and Elixir (Mix).
import path from 'node:path';
import { filesNamed, present, shadowedAt, unreadable, type Installer } from './installer.js';
import { basename } from '../vocabulary/tool.js';

const bundler: Installer = {
  tool: 'bundler',
  ecosystem: 'ruby',
  repeatsQuickly: true,
  matches: (argv) => basename(argv[0]) === 'bundle' && (argv.length === 1 || argv[1] === 'install' || argv[1]?.startsWith('-') === true),
  manifests(_argv, dir, context) {
    const gemfile = context.readFile(path.posix.join(dir, 'Gemfile'));
    if (gemfile === undefined) return unreadable(context, path.posix.join(dir, 'Gemfile'));
    if (/\bpath:\s*["']|:path\s*=>/.test(gemfile)) return { refuse: 'the Gemfile installs gems from local paths, which need the sources' };
    const gemspecs = /^\s*gemspec\b/m.test(gemfile) ? filesNamed(context, dir, /\.gemspec$/).filter((f) => path.posix.dirname(f) === (dir || '.')) : [];
    for (const spec of gemspecs) {
      if (/require_relative|File\.(read|expand_path)|git ls-files|Dir\[|Dir\.glob/.test(context.readFile(spec) ?? '')) {
        return { refuse: `${spec} reads the sources (require_relative, git ls-files or file globs)` };
      }
    }
    const files = [...present(context, dir, ['Gemfile', 'Gemfile.lock', '.bundle/config']), ...gemspecs];
    return { files, optional: files.filter((f) => !f.endsWith('Gemfile') && !f.endsWith('.gemspec')) };
  },
};

const composer: Installer = {
  tool: 'composer',
  ecosystem: 'php',
  matches: (argv) => /^composer(\.phar)?$/.test(basename(argv[0])) && argv[1] === 'install',
  manifests(_argv, dir, context) {
    const json = context.readFile(path.posix.join(dir, 'composer.json'));
    if (json === undefined) return unreadable(context, path.posix.join(dir, 'composer.json'));
    if (/"type"\s*:\s*"path"/.test(json)) return { refuse: 'composer.json has a path repository, which needs the sources' };
    const files = present(context, dir, ['composer.json', 'composer.lock', 'auth.json']);
    return { files, optional: files.slice(1) };
  },
  // Scripts and the autoloader need the sources: the original install, after the copy, does them.
  prefetch: (argv) => {
    const missing = ['--no-scripts', '--no-autoloader'].filter((o) => !argv.includes(o));
    return missing.length ? [...argv.keys(), ...missing] : null;
  },
};

const mix: Installer = {
  tool: 'mix',
  ecosystem: 'elixir',
  repeatsQuickly: true,
  matches: (argv) => basename(argv[0]) === 'mix' && argv[1] === 'deps.get',
  manifests(_argv, dir, context) {
    if (!context.exists(path.posix.join(dir, 'mix.exs'))) return { refuse: `${path.posix.join(dir, 'mix.exs')} is not in the build context` };
    // Umbrella projects: every app's mix.exs.
    const apps = filesNamed(context, path.posix.join(dir, 'apps'), /^mix\.exs$/).filter((f) => f.split('/').length === (dir ? dir.split('/').length : 0) + 3);
    const files = [...present(context, dir, ['mix.exs', 'mix.lock']), ...apps];
    return { files, optional: files.filter((f) => f.endsWith('mix.lock')), shadowed: [shadowedAt(path.posix.join(dir, 'deps')), shadowedAt(path.posix.join(dir, '_build'))] };
  },
};

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const rubyPrimaryManifests: readonly string[] = ['Gemfile'];
export const phpPrimaryManifests: readonly string[] = ['composer.json'];
export const elixirPrimaryManifests: readonly string[] = ['mix.exs'];

export const rubyInstallers: readonly Installer[] = [bundler];
export const phpInstallers: readonly Installer[] = [composer];
export const elixirInstallers: readonly Installer[] = [mix];
