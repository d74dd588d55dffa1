// Dependency installs that read manifests from the build context: how to recognise each one, which manifests it
// needs, and when copying only those manifests first would not be correct.
import path from 'node:path';
import type { BuildContext } from './types.js';
import { pipInstallIndex } from './commands.js';

/** argv of a command: static words as strings, dynamic ones as null. */
export type Argv = readonly (string | null)[];

export interface Manifests {
  /** Context-relative files to copy before the install, in copy order. */
  files: string[];
  /** Those of `files` the install can do without (lockfiles, rc files): left out when .dockerignore excludes them. */
  optional: string[];
}
export interface Refusal {
  refuse: string;
}

export interface Installer {
  /** `npm`, `pip`, ... as shown to users. */
  tool: string;
  ecosystem: 'node' | 'python';
  /**
   * The manifests the install reads. `dir` is the install's working directory relative to the context root
   * (`''` for the root); paths it names are resolved from there. `argv` starts with the command name.
   */
  manifests(argv: Argv, dir: string, context: BuildContext): Manifests | Refusal;
}

export interface InstallMatch {
  installer: Installer;
  argv: Argv;
}

function basename(name: string | null | undefined): string {
  return name ? name.slice(name.lastIndexOf('/') + 1) : '';
}

/** Positional (non-option) arguments, skipping the values of options that take one. */
function positionals(args: Argv, valueOptions: ReadonlySet<string>): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === null || a === undefined) out.push(null);
    else if (a === '--') return out.concat(args.slice(i + 1));
    else if (valueOptions.has(a)) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}

const NPM_VALUE_OPTIONS = new Set(['--loglevel', '--registry', '--cache', '--omit', '--include', '--only', '--userconfig', '--fetch-retries', '--fetch-timeout', '--network-timeout', '--mutex', '--modules-folder', '--cache-folder', '--reporter', '--store-dir', '--filter', '-F']);
/** Options that move an install away from its working directory. */
const NODE_DIR_OPTIONS = ['--prefix', '-C', '--cwd', '--dir', '--workspace', '-w', '--workspaces', '--modules-folder'];
const NODE_FILES = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', '.npmrc', '.yarnrc', '.yarnrc.yml'];
const LIFECYCLE_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'];

/** `npm ci`, `npm install` / `npm i` without package names, `yarn` / `yarn install`, `pnpm install` / `pnpm i`. */
function isNodeDependencyInstall(tool: string, args: Argv): boolean {
  const [sub, ...rest] = positionals(args, NPM_VALUE_OPTIONS);
  if (tool === 'npm') return (sub === 'ci' || sub === 'clean-install' || ((sub === 'install' || sub === 'i') && rest.length === 0));
  if (tool === 'yarn') return sub === undefined || (sub === 'install' && rest.length === 0);
  if (tool === 'pnpm') return (sub === 'install' || sub === 'i') && rest.length === 0;
  return false;
}

function nodeInstaller(tool: 'npm' | 'yarn' | 'pnpm'): Installer {
  return {
    tool,
    ecosystem: 'node',
    manifests(argv, dir, context) {
      const args = argv.slice(1);
      if (args.some((a) => a === null)) return { refuse: `\`${tool}\` has arguments that depend on variables` };
      const moved = NODE_DIR_OPTIONS.find((o) => args.some((a) => a === o || a?.startsWith(`${o}=`)));
      if (moved) return { refuse: `\`${tool} ${moved}\` installs in another folder` };
      const at = (f: string) => path.posix.join(dir, f);
      const text = context.readFile(at('package.json'));
      if (text === undefined) return { refuse: `${at('package.json')} is not in the build context` };
      let pkg: Record<string, unknown>;
      try {
        pkg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return { refuse: `${at('package.json')} is not valid JSON` };
      }
      const ignoresScripts = args.includes('--ignore-scripts');
      const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
      const lifecycle = LIFECYCLE_SCRIPTS.find((s) => typeof scripts[s] === 'string');
      if (lifecycle && !ignoresScripts) return { refuse: `package.json has a "${lifecycle}" script, which may need the sources during the install` };
      if (pkg.workspaces) return { refuse: 'package.json declares workspaces, whose package.json files would be missing at install time' };
      if (context.exists(at('pnpm-workspace.yaml'))) return { refuse: 'pnpm-workspace.yaml declares workspaces, whose package.json files would be missing at install time' };
      for (const field of DEPENDENCY_FIELDS) {
        const deps = (pkg[field] ?? {}) as Record<string, unknown>;
        for (const [name, spec] of Object.entries(deps)) {
          if (typeof spec === 'string' && /^(file|link|workspace|portal):|^\.{0,2}\//.test(spec)) {
            return { refuse: `dependency "${name}" is a local path (${spec}), which would not be there yet` };
          }
        }
      }
      const files = NODE_FILES.map(at).filter((f) => context.exists(f));
      const optional = files.slice(1);
      const yarnrc = context.readFile(at('.yarnrc.yml'));
      for (const ref of yarnrc ? yarnrcPaths(yarnrc) : []) {
        const file = path.posix.join(dir, ref);
        if (!context.exists(file)) return { refuse: `.yarnrc.yml names ${ref}, which is not in the build context` };
        files.push(file);
      }
      return { files, optional };
    },
  };
}

/** Files that a Yarn Berry `.yarnrc.yml` makes the install read (`yarnPath`, plugin `path`s). */
function yarnrcPaths(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:-\s*)?(?:yarnPath|path):\s*["']?([^"'\s#]+)["']?/gm)) out.push(path.posix.normalize(m[1]!));
  return out;
}

const PIP_VALUE_OPTIONS = new Set(['-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-t', '--target', '--prefix', '--root', '--upgrade-strategy', '--trusted-host', '--cache-dir', '--src', '--global-option', '--install-option', '--no-binary', '--only-binary', '--platform', '--python-version', '--implementation', '--abi', '--progress-bar', '--log', '--timeout', '--retries', '--proxy', '--exists-action', '--cert', '--client-cert', '--config-settings', '-C', '--root-user-action', '--report']);
const REQUIREMENT_OPTIONS = ['-r', '--requirement', '-c', '--constraint'];

/** A requirement or a pip argument that points at local files, which are not copied before the install. */
function isLocalPath(spec: string): boolean {
  if (/^(git|hg|svn|bzr)\+|^https?:\/\//.test(spec)) return false;
  return /^(\.|\/|~|file:)/.test(spec) || /@\s*file:/.test(spec) || /\.(whl|tar\.gz|zip|tgz)$/.test(spec);
}

/** `-r file`, `-rfile`, `--requirement=file`, and the same for constraints: the file names an option gives. */
function requirementFiles(args: Argv): string[] {
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a) continue;
    if (REQUIREMENT_OPTIONS.includes(a) && args[i + 1]) files.push(args[++i]!);
    else if (/^--(requirement|constraint)=/.test(a)) files.push(a.slice(a.indexOf('=') + 1));
    else if (/^-[rc]./.test(a)) files.push(a.slice(2));
  }
  return files;
}

/** Lines of a requirements file with comments removed and `\` continuations joined. */
function requirementLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, '')
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

const pip: Installer = {
  tool: 'pip',
  ecosystem: 'python',
  manifests(argv, dir, context) {
    const options = argv.slice(pipInstallIndex(argv) + 1);
    if (options.some((a) => a === null)) return { refuse: '`pip install` has arguments that depend on variables' };
    const local = positionals(options, PIP_VALUE_OPTIONS).find((a) => a !== null && isLocalPath(a));
    if (local) return { refuse: `\`pip install ${local}\` installs local files, which need the sources` };
    const editable = options.findIndex((a) => a === '-e' || a === '--editable' || a?.startsWith('--editable='));
    if (editable >= 0) return { refuse: '`pip install -e` installs the project itself, which needs the sources' };
    const files: string[] = [];
    const pending = requirementFiles(options).map((f) => path.posix.join(dir, f));
    while (pending.length) {
      const file = pending.shift()!;
      if (files.includes(file)) continue;
      if (file.startsWith('../') || path.posix.isAbsolute(file)) return { refuse: `requirements file ${file} is outside the copied sources` };
      const text = context.readFile(file);
      if (text === undefined) return { refuse: `requirements file ${file} is not in the build context` };
      files.push(file);
      for (const line of requirementLines(text)) {
        const words = line.split(/\s+/);
        const nested = requirementFiles(words);
        if (nested.length) {
          pending.push(...nested.map((n) => path.posix.join(path.posix.dirname(file), n)));
          continue;
        }
        const spec = /^(-e|--editable)(=|$)/.test(words[0]!) ? (words[1] ?? words[0]!.split('=')[1] ?? '') : words[0]!;
        if (/^(-e|--editable)/.test(words[0]!) && !/^(git|hg|svn|bzr)\+/.test(spec)) {
          return { refuse: `${file} installs ${spec} in editable mode, which needs the sources` };
        }
        if (/^(-f|--find-links)/.test(words[0]!) && !/^https?:/.test(words[1] ?? words[0]!.split('=')[1] ?? '')) {
          return { refuse: `${file} finds packages in a local folder, which is not copied before the install` };
        }
        if (!spec.startsWith('-') && isLocalPath(spec)) return { refuse: `${file} names a local path (${spec}), which needs the sources` };
      }
    }
    return { files, optional: [] };
  },
};

const INSTALLERS: Record<string, Installer> = { npm: nodeInstaller('npm'), yarn: nodeInstaller('yarn'), pnpm: nodeInstaller('pnpm') };

/**
 * The dependency install a command performs, if any. A pip install counts only when it reads files of the
 * build context (requirements files, local paths): `pip install flask` does not depend on the sources.
 */
export function matchInstall(argv: Argv): InstallMatch | null {
  const name = basename(argv[0]);
  const args = argv.slice(1);
  const node = INSTALLERS[name];
  if (node && isNodeDependencyInstall(name, args)) return { installer: node, argv };
  const pipIndex = pipInstallIndex(argv);
  if (pipIndex >= 0) {
    const options = argv.slice(pipIndex + 1);
    const readsContext = requirementFiles(options).length > 0 || positionals(options, PIP_VALUE_OPTIONS).some((a) => a !== null && isLocalPath(a)) || options.some((a) => a === '-e' || a === '--editable');
    return readsContext ? { installer: pip, argv } : null;
  }
  return null;
}
