// Ruby (Bundler), PHP (Composer) and Elixir (Mix).
import path from 'node:path';
import { filesNamed, present, shadowedAt, unreadable, type Installer, type Refusal } from './installer.js';
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

const mix: Installer = {
  tool: 'mix',
  ecosystem: 'elixir',
  repeatsQuickly: true,
  matches: (argv) => basename(argv[0]) === 'mix' && argv[1] === 'deps.get',
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
