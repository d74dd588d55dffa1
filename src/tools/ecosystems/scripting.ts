// Ruby (Bundler), PHP (Composer) and Elixir (Mix).
import path from 'node:path';
import type { BuildContext } from '../../engine/types.js';
import { filesNamed, present, shadowedAt, unreadable, type Argv, type CommandWord, type Installer, type Manifests, type Refusal } from './installer.js';
import { basename } from '../vocabulary/tool.js';
import { isRecord } from '../../engine/is-record.js';

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

/** Composer's options before its command that take a value (getcomposer.org/doc/03-cli.md#global-options). */
const COMPOSER_DIR_OPTIONS = ['-d', '--working-dir'];

/** The command a composer argv runs, after its global options: `composer --no-ansi -n install` runs install. */
function composerCommand(argv: Argv): string | null {
  for (let k = 1; k < argv.length; k++) {
    const word = argv[k];
    if (word === null || word === undefined) return null;
    if (!word.startsWith('-')) return word;
    if (COMPOSER_DIR_OPTIONS.includes(word)) k++;
  }
  return null;
}

/**
 * What composer.json makes `composer install` read besides itself, composer.lock and auth.json, by its
 * `repositories` (getcomposer.org/doc/05-repositories.md): an `artifact` repository's folder of package zips,
 * read from the build context; a `path` repository is the sources themselves, and a repository at a local url
 * (`file://`, a path) is outside what a manifest copy can bring. `config.vendor-dir` is where it installs.
 */
function composerManifests(dir: string, context: BuildContext): Manifests | Refusal {
  const file = path.posix.join(dir, 'composer.json');
  const text = context.readFile(file);
  if (text === undefined) return unreadable(context, file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { refuse: `${file} is not valid JSON` };
  }
  const root = isRecord(json) ? json : {};
  const repositories = Array.isArray(root.repositories) ? root.repositories : isRecord(root.repositories) ? Object.values(root.repositories) : [];
  const artifacts: string[] = [];
  for (const repo of repositories.filter(isRecord)) {
    const url = typeof repo.url === 'string' ? repo.url : '';
    if (repo.type === 'path') return { refuse: `${file} has a path repository (${url}), which needs the sources` };
    if (repo.type === 'artifact') {
      const folder = path.posix.join(dir, url.replace(/^file:\/\//, ''));
      if (path.posix.isAbsolute(url) || folder === '..' || folder.startsWith('../')) return { refuse: `${file} has an artifact repository at ${url}, outside the build context` };
      const zips = context.listFiles().filter((f) => f.startsWith(`${folder.replace(/\/$/, '')}/`));
      if (!zips.length) return { refuse: `${file} has an artifact repository at ${url}, where this build context holds no file` };
      artifacts.push(...zips);
    } else if (/^(file:|\.{0,2}\/)/.test(url)) return { refuse: `${file} has a ${String(repo.type)} repository at the local ${url}, which a copy of the manifests does not bring` };
  }
  const config = isRecord(root.config) ? root.config : {};
  const vendor = typeof config['vendor-dir'] === 'string' ? config['vendor-dir'] : 'vendor';
  const files = [...present(context, dir, ['composer.json', 'composer.lock', 'auth.json']), ...artifacts];
  return { files, optional: files.slice(1).filter((f) => !artifacts.includes(f)), shadowed: [shadowedAt(path.posix.join(dir, vendor))] };
}

const composer: Installer = {
  tool: 'composer',
  ecosystem: 'php',
  matches: (argv) => /^composer(\.phar)?$/.test(basename(argv[0])) && ['install', 'i'].includes(composerCommand(argv) ?? ''),
  manifests: (_argv, dir, context) => composerManifests(dir, context),
  // `-d DIR`, `--working-dir DIR` or `--working-dir=DIR`, among the global options before the command.
  workingDirectory(argv) {
    for (let k = 1; k < argv.length; k++) {
      const word = argv[k];
      if (word === null || word === undefined) return undefined;
      if (COMPOSER_DIR_OPTIONS.includes(word)) return argv[k + 1] ?? null;
      if (word.startsWith('--working-dir=')) return word.slice('--working-dir='.length);
      if (word.startsWith('-d') && word.length > 2 && !word.startsWith('--')) return word.slice(2);
    }
    return undefined;
  },
  // Scripts and the autoloader need the sources: the original install, after the copy, does them.
  prefetch: (argv) => {
    const missing = ['--no-scripts', '--no-autoloader'].filter((o) => !argv.includes(o));
    return missing.length ? [...argv.keys(), ...missing] : null;
  },
};

/**
 * The folders of the dependencies a mix.exs takes from the file system, relative to its own folder:
 * `{:forum, path: "./forum"}`, and `{:core, in_umbrella: true}` (`../core`). Mix loads each one's mix.exs to
 * resolve its dependencies. A path that is not a plain string (`path: path`, `"../#{app}"`) cannot be followed.
 */
function mixPathDependencies(text: string, file: string): string[] | Refusal {
  const code = text.replace(/^\s*#.*$/gm, '');
  const folders: string[] = [];
  for (const dep of code.matchAll(/\{\s*:(\w+)\s*,([^{}]*)\}/g)) {
    const [, name, options] = dep as unknown as [string, string, string];
    const given = /\bpath:\s*("[^"]*"|[^,\s]+)/.exec(options)?.[1];
    if (given !== undefined) {
      if (!/^"[^"#]*"$/.test(given)) return { refuse: `${file} takes dependency ${name} from a path that is not a plain string (\`path: ${given}\`)` };
      folders.push(given.slice(1, -1));
    } else if (/\bin_umbrella:\s*true\b/.test(options)) folders.push(`../${name}`);
  }
  return folders;
}

/**
 * The tasks of `mix do`, each as its words (argv indexes, the task's name first): `mix do deps.get --only prod,
 * compile` (a `,` ends a task's last word) or, since Mix 1.14, `mix do deps.get + compile`. Null when a word
 * comes through a variable.
 */
function mixDoTasks(argv: Argv): number[][] | null {
  const tasks: number[][] = [[]];
  for (let k = 2; k < argv.length; k++) {
    const word = argv[k];
    if (word === null || word === undefined) return null;
    if (word === '+' || word === ',') tasks.push([]);
    else {
      tasks[tasks.length - 1]!.push(k);
      if (word.endsWith(',')) tasks.push([]);
    }
  }
  return tasks.filter((t) => t.length);
}

/** A word of a `mix do` task without the `,` that ends the task. */
const mixWord = (argv: Argv, k: number): CommandWord => (argv[k]!.endsWith(',') ? argv[k]!.slice(0, -1) : k);

const mix: Installer = {
  tool: 'mix',
  ecosystem: 'elixir',
  repeatsQuickly: true,
  matches: (argv) => basename(argv[0]) === 'mix' && (argv[1] === 'deps.get' || (argv[1] === 'do' && argv[mixDoTasks(argv)?.[0]?.[0] ?? -1]?.replace(/,$/, '') === 'deps.get')),
  // `mix do deps.get, deps.compile`: its first task alone fetches; the others (compiling) stay after the copy.
  prefetch(argv) {
    const tasks = argv[1] === 'do' ? mixDoTasks(argv) : null;
    if (!tasks || tasks.length < 2) return null;
    const [, ...options] = tasks[0]!;
    return [0, 'deps.get', ...options.map((k) => mixWord(argv, k))];
  },
  manifests(_argv, dir, context) {
    const root = path.posix.join(dir, 'mix.exs');
    // Umbrella projects: every app's mix.exs.
    const apps = filesNamed(context, path.posix.join(dir, 'apps'), /^mix\.exs$/).filter((f) => f.split('/').length === (dir ? dir.split('/').length : 0) + 3);
    const projects = [root, ...apps];
    // Path dependencies, transitively: each one's mix.exs.
    for (let k = 0; k < projects.length; k++) {
      const text = context.readFile(projects[k]!);
      if (text === undefined) return unreadable(context, projects[k]!);
      const folders = mixPathDependencies(text, projects[k]!);
      if ('refuse' in folders) return folders;
      for (const folder of folders) {
        const manifest = path.posix.join(path.posix.dirname(projects[k]!), folder, 'mix.exs');
        if (manifest.startsWith('../') || path.posix.isAbsolute(folder)) return { refuse: `${projects[k]} takes a dependency from ${folder}, outside the build context` };
        if (!context.exists(manifest)) return { refuse: `${projects[k]} takes a dependency from ${folder}, but ${manifest} is not in the build context` };
        if (!projects.includes(manifest)) projects.push(manifest);
      }
    }
    const files = [...present(context, dir, ['mix.exs', 'mix.lock']), ...projects.slice(1)];
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
