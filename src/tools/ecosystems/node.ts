// npm, yarn (classic and berry), pnpm and bun, workspaces included.
import path from 'node:path';
import picomatch from 'picomatch';
import type { BuildContext } from '../../engine/types.js';
import { positionals, shadowedAt, unreadable, type Argv, type Installer, type Manifests, type Refusal } from './installer.js';
import { basename } from '../vocabulary/tool.js';

const VALUE_OPTIONS = new Set(['--loglevel', '--registry', '--cache', '--omit', '--include', '--only', '--userconfig', '--fetch-retries', '--fetch-timeout', '--network-timeout', '--mutex', '--modules-folder', '--cache-folder', '--reporter', '--store-dir', '--filter', '-F']);
/** Options that move an install away from its working directory. */
const DIR_OPTIONS = ['--prefix', '-C', '--cwd', '--dir', '--workspace', '-w', '--modules-folder'];
const FILES = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'bun.lockb', 'bun.lock', 'bunfig.toml', '.npmrc', '.yarnrc', '.yarnrc.yml'];
const LIFECYCLE_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'];

/** `npm ci`, `npm install` without package names, `yarn` / `yarn install`, `pnpm install`, `bun install`. */
function isDependencyInstall(tool: string, args: Argv): boolean {
  const [sub, ...rest] = positionals(args, VALUE_OPTIONS);
  switch (tool) {
    case 'npm':
      return sub === 'ci' || sub === 'clean-install' || ((sub === 'install' || sub === 'i') && rest.length === 0);
    case 'yarn':
      return sub === undefined || (sub === 'install' && rest.length === 0);
    case 'pnpm':
    case 'bun':
      return (sub === 'install' || sub === 'i') && rest.length === 0;
    default:
      return false;
  }
}

type PackageJson = Record<string, unknown>;

function readPackage(context: BuildContext, file: string): { pkg: PackageJson } | Refusal {
  const text = context.readFile(file);
  if (text === undefined) return unreadable(context, file);
  try {
    return { pkg: JSON.parse(text) as PackageJson };
  } catch {
    return { refuse: `${file} is not valid JSON` };
  }
}

/** Why installing this package.json could need more than the manifests, or null. */
function needsSources(pkg: PackageJson, file: string, ignoresScripts: boolean): string | null {
  const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
  const lifecycle = LIFECYCLE_SCRIPTS.find((s) => typeof scripts[s] === 'string');
  if (lifecycle && !ignoresScripts) return `${file} has a "${lifecycle}" script, which may need the sources during the install`;
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, spec] of Object.entries((pkg[field] ?? {}) as Record<string, unknown>)) {
      if (typeof spec === 'string' && /^(file|link|portal):|^\.{0,2}\//.test(spec)) {
        return `dependency "${name}" of ${file} is a local path (${spec}), which would not be there yet`;
      }
    }
  }
  return null;
}

/** Workspace globs from package.json (`workspaces`) or pnpm-workspace.yaml (`packages:`). */
function workspaceGlobs(pkg: PackageJson, pnpmWorkspace: string | undefined): string[] {
  const field = pkg.workspaces as unknown;
  const fromPackage = Array.isArray(field) ? field : Array.isArray((field as { packages?: unknown })?.packages) ? (field as { packages: unknown[] }).packages : [];
  const globs = fromPackage.filter((g): g is string => typeof g === 'string');
  if (pnpmWorkspace) {
    const block = /^packages:\s*\n((?:[ \t]+-.*\n?|[ \t]*#.*\n?|\s*\n)*)/m.exec(pnpmWorkspace)?.[1] ?? '';
    for (const m of block.matchAll(/^[ \t]+-[ \t]*["']?([^"'#\n]+?)["']?[ \t]*(?:#.*)?$/gm)) globs.push(m[1]!);
  }
  return globs;
}

/** package.json files of the workspace folders the globs select. */
function workspaceManifests(context: BuildContext, dir: string, globs: string[]): string[] {
  if (!globs.length) return [];
  const include = globs.filter((g) => !g.startsWith('!')).map((g) => g.replace(/\/$/, ''));
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1).replace(/\/$/, ''));
  const isIncluded = include.length ? picomatch(include) : () => false;
  const isExcluded = exclude.length ? picomatch(exclude) : () => false;
  const prefix = dir ? `${dir}/` : '';
  return context
    .listFiles()
    .filter((f) => f.startsWith(prefix) && basename(f) === 'package.json' && !f.split('/').includes('node_modules'))
    .map((f) => path.posix.dirname(f.slice(prefix.length)))
    .filter((folder) => folder !== '.' && isIncluded(folder) && !isExcluded(folder))
    .map((folder) => path.posix.join(dir, folder, 'package.json'));
}

/** Files that a Yarn Berry `.yarnrc.yml` makes the install read (`yarnPath`, plugin `path`s). */
function yarnrcPaths(text: string): string[] {
  return [...text.matchAll(/^\s*(?:-\s*)?(?:yarnPath|path):\s*["']?([^"'\s#]+)["']?/gm)].map((m) => path.posix.normalize(m[1]!));
}

function manifests(tool: string, argv: Argv, dir: string, context: BuildContext): Manifests | Refusal {
  const args = argv.slice(1);
  if (args.some((a) => a === null)) return { refuse: `\`${tool}\` has arguments that depend on variables` };
  const moved = DIR_OPTIONS.find((o) => args.some((a) => a === o || a?.startsWith(`${o}=`)));
  if (moved) return { refuse: `\`${tool} ${moved}\` installs in another folder` };
  const at = (f: string) => path.posix.join(dir, f);
  const ignoresScripts = args.includes('--ignore-scripts');
  const root = readPackage(context, at('package.json'));
  if ('refuse' in root) return root;
  const { pkg } = root;
  const rootProblem = needsSources(pkg, at('package.json'), ignoresScripts);
  if (rootProblem) return { refuse: rootProblem };
  const files = FILES.map(at).filter((f) => context.exists(f));
  const optional = files.filter((f) => !f.endsWith('package.json') && !f.endsWith('pnpm-workspace.yaml'));
  const workspaces = workspaceManifests(context, dir, workspaceGlobs(pkg, context.readFile(at('pnpm-workspace.yaml'))));
  for (const file of workspaces) {
    const member = readPackage(context, file);
    if ('refuse' in member) return member;
    const problem = needsSources(member.pkg, file, ignoresScripts);
    if (problem) return { refuse: problem };
  }
  files.push(...workspaces);
  const yarnrc = context.readFile(at('.yarnrc.yml'));
  for (const ref of yarnrc ? yarnrcPaths(yarnrc) : []) {
    const file = at(ref);
    if (!context.exists(file)) return { refuse: `.yarnrc.yml names ${ref}, which is not in the build context` };
    files.push(file);
  }
  const folders = [dir, ...workspaces.map((w) => path.posix.dirname(w))];
  return { files, optional, shadowed: folders.map((f) => shadowedAt(path.posix.join(f, 'node_modules'))) };
}

function nodeInstaller(tool: 'npm' | 'yarn' | 'pnpm' | 'bun'): Installer {
  return {
    tool,
    ecosystem: 'node',
    matches: (argv) => basename(argv[0]) === tool && isDependencyInstall(tool, argv.slice(1)),
    manifests: (argv, dir, context) => manifests(tool, argv, dir, context),
  };
}

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const nodePrimaryManifests: readonly string[] = ['package.json'];

export const nodeInstallers: readonly Installer[] = [nodeInstaller('npm'), nodeInstaller('yarn'), nodeInstaller('pnpm'), nodeInstaller('bun')];
