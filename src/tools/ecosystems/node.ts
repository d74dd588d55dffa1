// npm, yarn (classic and berry), pnpm and bun, workspaces included.
import path from 'node:path';
import picomatch from 'picomatch';
import { parseYaml } from './parsers.js';
import type { BuildContext } from '../../engine/types.js';
import { positionals, shadowedAt, unreadable, type Argv, type CommandWord, type Environment, type Installer, type Manifests, type Refusal } from './installer.js';
import { basename } from '../vocabulary/tool.js';
import { NPM_COMMAND_NAMES } from '../vocabulary/npm.js';
import { PNPM_INSTALL_TEST_NAMES } from '../vocabulary/pnpm.js';
import { dependencyScriptFiles, lifecycleScriptFiles, scriptsIgnored, type NodeTool } from './node-scripts.js';
import { isRecord } from '../../engine/is-record.js';

const VALUE_OPTIONS = new Set(['--loglevel', '--registry', '--cache', '--omit', '--include', '--only', '--also', '--userconfig', '--fetch-retries', '--fetch-timeout', '--network-timeout', '--mutex', '--modules-folder', '--cache-folder', '--reporter', '--store-dir', '--filter', '-F']);
/** Options that move an install away from its working directory. */
const DIR_OPTIONS = ['--prefix', '-C', '--cwd', '--dir', '--workspace', '-w', '--modules-folder'];
const FILES = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'bun.lockb', 'bun.lock', 'bunfig.toml', '.npmrc', '.yarnrc', '.yarnrc.yml'];
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'];

/**
 * `npm ci`, `npm install` without package names (and their other names, `npm ic`, `npm install-test`), `yarn` /
 * `yarn install`, Yarn's `yarn workspaces focus` (an install of some workspaces' dependencies), `pnpm install`
 * (`pnpm install-test`, `pnpm fetch`), `bun install`.
 */
function isDependencyInstall(tool: string, args: Argv): boolean {
  const [sub, ...rest] = positionals(args, VALUE_OPTIONS);
  switch (tool) {
    case 'npm':
      return NPM_COMMAND_NAMES.ci.has(sub ?? '') || ((NPM_COMMAND_NAMES.install.has(sub ?? '') || NPM_COMMAND_NAMES.installTest.has(sub ?? '')) && rest.length === 0);
    case 'yarn':
      return sub === undefined || (sub === 'install' && rest.length === 0) || (sub === 'workspaces' && rest[0] === 'focus');
    case 'pnpm':
      // `pnpm fetch` fills the store and the virtual store from the lockfile, a fetch of an install that follows.
      return (sub === 'install' || sub === 'i' || sub === 'fetch' || PNPM_INSTALL_TEST_NAMES.has(sub ?? '')) && rest.length === 0;
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

/** The dependency ranges of a package.json, in every dependency field: name, range and field. */
function* dependencySpecs(pkg: PackageJson): Generator<[string, string, string]> {
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, spec] of Object.entries((pkg[field] ?? {}) as Record<string, unknown>)) if (typeof spec === 'string') yield [name, spec, field];
  }
}

/** A range that names a local path: a folder or a tarball (npm, yarn, pnpm, bun). */
const isLocalSpec = (spec: string): boolean => /^(file|link|portal):|^\.{0,2}\//.test(spec);

/** The first local dependency of a package.json, or null. */
function firstLocalDependency(pkg: PackageJson): [string, string] | null {
  for (const [name, spec] of dependencySpecs(pkg)) if (isLocalSpec(spec)) return [name, spec];
  return null;
}

/** npm's dependency types an install can leave out. */
type DependencyType = 'dev' | 'optional' | 'peer';
/** The dependency fields whose packages are of a type npm can leave out. */
const FIELD_TYPES: Readonly<Record<string, DependencyType>> = { devDependencies: 'dev', optionalDependencies: 'optional' };

/**
 * npm's settings that decide which dependency types an install leaves out, with the values npm accepts
 * (docs.npmjs.com/cli/v10/using-npm/config: `omit`, `include`, and the deprecated `production`, `only`, `also`,
 * `dev`, `optional`).
 */
const BOOLEAN = ['true', 'false'];
const OMIT_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  omit: ['dev', 'optional', 'peer'],
  include: ['prod', 'dev', 'optional', 'peer'],
  only: ['prod', 'production'],
  also: ['dev', 'development'],
  production: BOOLEAN,
  dev: BOOLEAN,
  optional: BOOLEAN,
};
/** The settings that are lists: given again, they add a value. */
const LIST_SETTINGS = new Set(['omit', 'include']);
/** A level's value of each setting it sets; null where dockmod cannot read it (a variable, a value npm rejects). */
type Settings = Map<string, string[] | null>;

function setValue(settings: Settings, name: string, value: string | null | undefined): void {
  const accepted = value !== null && value !== undefined && OMIT_SETTINGS[name]!.includes(value);
  const before = settings.get(name);
  settings.set(name, !accepted ? null : LIST_SETTINGS.has(name) && before !== undefined ? before && [...before, value] : [value]);
}

/**
 * The settings the command line gives (nopt's forms: `--omit=dev`, `--omit dev`, `--no-optional`, `--production`,
 * `--production false`, and `--prod`, the abbreviation npm expands to `--production`).
 */
function commandLineSettings(args: readonly string[]): Settings {
  const settings: Settings = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    let name = arg.slice(2, eq < 0 ? undefined : eq);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (name === 'prod') name = 'production';
    if (name.startsWith('no-') && OMIT_SETTINGS[name.slice(3)] === BOOLEAN && value === undefined) [name, value] = [name.slice(3), 'false'];
    const accepted = OMIT_SETTINGS[name];
    if (!accepted) continue;
    if (value === undefined) value = accepted !== BOOLEAN ? args[++i] : BOOLEAN.includes(args[i + 1] ?? '') ? args[++i] : 'true';
    setValue(settings, name, value);
  }
  return settings;
}

/** The settings the environment gives: `npm_config_<name>`, which npm reads in any case. */
function environmentSettings(environment: Environment): Settings {
  const settings: Settings = new Map();
  for (const name of Object.keys(OMIT_SETTINGS)) {
    const values = [`npm_config_${name}`, `NPM_CONFIG_${name.toUpperCase()}`].map(environment).filter((v) => v !== undefined);
    if (values.length) setValue(settings, name, values[0]);
  }
  return settings;
}

/** The settings a project's .npmrc gives (`name=value`, a list's `name[]=value`); a value made of a variable is not read. */
function npmrcSettings(npmrc: string | undefined): Settings {
  const settings: Settings = new Map();
  for (const line of npmrc?.split(/\r?\n/) ?? []) {
    const eq = line.indexOf('=');
    if (eq < 0 || /^\s*[;#]/.test(line)) continue;
    const key = line.slice(0, eq).trim();
    const name = key.replace(/\[\]$/, '');
    if (!OMIT_SETTINGS[name]) continue;
    const value = line.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, '$2');
    if (!key.endsWith('[]')) settings.delete(name);
    setValue(settings, name, value.includes('${') ? null : value);
  }
  return settings;
}

/** The dependency types an npm install leaves out; `unread`: the setting whose value dockmod cannot read, when one counts. */
interface Omission {
  types: ReadonlySet<DependencyType>;
  unread?: string;
}

/**
 * The dependency types an npm install leaves out, worked out as npm's config does: each setting from the command
 * line, else the environment, else the project's .npmrc; `omit` defaults to `dev` when NODE_ENV is `production`;
 * `production` and `only=prod` omit dev, `also=dev`, `dev` and `production=false` include it, `optional=false` omits
 * optional; a type both omitted and included is installed. None when a setting that counts cannot be read.
 */
function npmOmission(args: readonly string[], environment: Environment, npmrc: string | undefined): Omission {
  const levels = [commandLineSettings(args), environmentSettings(environment), npmrcSettings(npmrc)];
  const levelNames = [(name: string) => `--${name}`, (name: string) => `npm_config_${name}`, (name: string) => `${name} in .npmrc`];
  const setting = (name: string) => levels.find((level) => level.has(name))?.get(name);
  const unreadName = Object.keys(OMIT_SETTINGS).find((name) => setting(name) === null);
  if (unreadName !== undefined) return { types: new Set(), unread: levelNames[levels.findIndex((level) => level.has(unreadName))]!(unreadName) };
  const nodeEnv = environment('NODE_ENV');
  if (setting('omit') === undefined && nodeEnv === null) return { types: new Set(), unread: 'NODE_ENV' };
  const omit = [...(setting('omit') ?? (nodeEnv === 'production' ? ['dev'] : []))];
  const include = [...(setting('include') ?? [])];
  const only = setting('only')?.[0];
  const production = setting('production')?.[0];
  if (only !== undefined || production === 'true') omit.push('dev');
  else if (production === 'false') include.push('dev');
  if (setting('also') !== undefined || setting('dev')?.[0] === 'true') include.push('dev');
  const optional = setting('optional')?.[0];
  if (optional === 'false') omit.push('optional');
  else if (optional === 'true') include.push('optional');
  return { types: new Set(omit.filter((type): type is DependencyType => !include.includes(type))) };
}

/** The lockfile npm installs from (npm-shrinkwrap.json before package-lock.json): its name and its `packages`, or null. */
function npmLockfile(context: BuildContext, dir: string): { file: string; packages: Record<string, unknown> | null } | null {
  const file = ['npm-shrinkwrap.json', 'package-lock.json'].map((f) => path.posix.join(dir, f)).find((f) => context.exists(f));
  if (file === undefined) return null;
  try {
    const lock = JSON.parse(context.readFile(file) ?? '') as unknown;
    return { file, packages: isRecord(lock) && isRecord(lock.packages) ? lock.packages : null };
  } catch {
    return { file, packages: null };
  }
}

/** Whether a lockfile entry's flags make the install leave the package out (arborist's Node.shouldOmit). */
function leftOutByFlags(entry: unknown, omitted: ReadonlySet<DependencyType>): boolean {
  if (!isRecord(entry)) return false;
  return (entry.peer === true && omitted.has('peer')) || (entry.dev === true && omitted.has('dev')) || (entry.optional === true && omitted.has('optional')) || (entry.devOptional === true && omitted.has('dev') && omitted.has('optional'));
}

/** What an npm install reads of its left-out local dependencies: a linked folder's package.json, and that package. */
interface LinkedManifest {
  file: string;
  pkg: PackageJson;
}

/**
 * The package.json files an npm install reads of the local dependencies of one package.json, or why they may need
 * more. One the install installs refuses: its folder would not be there yet. One it leaves out (its field's type
 * omitted, and the lockfile flags the package with such a type, so no other dependency needs it) is not installed,
 * but npm still reads the package.json of every linked folder outside node_modules (arborist's loadVirtual: "they
 * can be changed by the local user"), and npm 10 runs its install scripts; a tarball it takes from the lockfile.
 */
function localDependencyManifests(tool: NodeTool, pkg: PackageJson, file: string, dir: string, omission: Omission, context: BuildContext): LinkedManifest[] | Refusal {
  const linked: LinkedManifest[] = [];
  const omitted = omission.types;
  for (const [name, spec, field] of dependencySpecs(pkg)) {
    if (!isLocalSpec(spec)) continue;
    const local = `dependency "${name}" of ${file} is a local path (${spec})`;
    const installed = { refuse: `${local}, which would not be there yet` };
    const type = FIELD_TYPES[field];
    if (tool === 'npm' && type !== undefined && omission.unread !== undefined) {
      return { refuse: `${installed.refuse}: whether the install leaves out ${field} depends on ${omission.unread}, whose value dockmod cannot know here` };
    }
    if (tool !== 'npm' || type === undefined || !omitted.has(type)) return installed;
    const leaves = `the install leaves out ${field}`;
    // npm reads `file:` paths and bare relative ones, relative to the package.json (npm-package-arg).
    const named = /^file:(?!\/\/)/.test(spec) ? spec.slice(5) : spec.startsWith('.') ? spec : null;
    const target = named === null || path.posix.isAbsolute(named) ? null : path.posix.normalize(path.posix.join(path.posix.dirname(file), named)).replace(/\/$/, '');
    if (target === null) return installed;
    if (target === '..' || target.startsWith('../')) return { refuse: `${local}, outside the build context: ${leaves}, but npm still reads a linked folder's package.json` };
    const lock = npmLockfile(context, dir);
    if (lock === null) return { refuse: `${local}: ${leaves}, but not one that another dependency needs, which with no package-lock.json is not known` };
    const location = path.posix.relative(dir || '.', target);
    const tarball = /[.](?:tgz|tar\.gz|tar)$/i.test(target);
    const entries = Object.entries(lock.packages ?? {}).filter(([key, entry]) => (tarball ? (key === `node_modules/${name}` || key.endsWith(`/node_modules/${name}`)) && isRecord(entry) && entry.resolved === `file:${location}` : key === location));
    if (!entries.length) return { refuse: `${local}: ${leaves}, but not one that another dependency needs, which ${lock.file} does not tell (it has no entry for ${location})` };
    if (!entries.every(([, entry]) => leftOutByFlags(entry, omitted))) return { refuse: `${local}, which would not be there yet: ${leaves}, but ${lock.file} records ${location} as needed by another dependency` };
    const manifest = path.posix.join(target, 'package.json');
    if (tarball || !context.exists(manifest)) continue;
    const linkedPackage = readPackage(context, manifest);
    if ('refuse' in linkedPackage) return linkedPackage;
    const own = firstLocalDependency(linkedPackage.pkg);
    if (own) return { refuse: `${local}, which the install leaves out, has a local dependency of its own ("${own[0]}": ${own[1]}), which dockmod does not follow` };
    linked.push({ file: manifest, pkg: linkedPackage.pkg });
  }
  return linked;
}

/**
 * Why a package.json that defines no workspace cannot install as the root of one: a `workspace:` range names a
 * package of the workspace, and `catalog:` a version in its catalog (pnpm-workspace.yaml, or bun's and yarn's
 * `workspaces` field). Such a root is a workspace member, built from the workspace root as its context.
 */
function workspaceOnlySpec(pkg: PackageJson, file: string): string | null {
  for (const [name, spec] of dependencySpecs(pkg)) {
    if (/^(workspace|catalog):/.test(spec)) {
      return `dependency "${name}" of ${file} is \`${spec}\`, which only a workspace root resolves, and this build context defines no workspace there (no pnpm-workspace.yaml or \`workspaces\`): the build's context is likely a folder above (name it with --context)`;
    }
  }
  return null;
}

/** Workspace globs from package.json (`workspaces`) and pnpm-workspace.yaml's `packages`. */
function workspaceGlobs(pkg: PackageJson, pnpmPackages: readonly string[]): string[] {
  const field = pkg.workspaces as unknown;
  const fromPackage = Array.isArray(field) ? field : Array.isArray((field as { packages?: unknown })?.packages) ? (field as { packages: unknown[] }).packages : [];
  return [...fromPackage.filter((g): g is string => typeof g === 'string'), ...pnpmPackages];
}

/** package.json files of the workspace folders the globs select. */
function workspaceManifests(context: BuildContext, dir: string, globs: string[]): string[] {
  if (!globs.length) return [];
  // An empty entry (`""`, `"/"`) names no member folder, and no glob can be made of it.
  const include = globs.filter((g) => !g.startsWith('!')).map((g) => g.replace(/\/$/, '')).filter(Boolean);
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1).replace(/\/$/, '')).filter(Boolean);
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

/**
 * Yarn 2+ runs the install when the project's `.yarnrc.yml` names a `yarnPath` release of it: Yarn 1.22 hands
 * over to that file too. Read from the release's name (`yarn-4.12.0.cjs`, `yarn-berry.cjs`).
 */
function yarnPathIsBerry(yarnrc: string | undefined): boolean {
  const release = yarnrc === undefined ? undefined : /^\s*yarnPath:\s*["']?([^"'\s#]+)/m.exec(yarnrc)?.[1];
  const name = release === undefined ? '' : path.posix.basename(release);
  return /^yarn-berry\.c?js$/.test(name) || Number(/^yarn-(\d+)\./.exec(name)?.[1] ?? 0) >= 2;
}

/**
 * What Yarn 2+ (a project with a `.yarnrc.yml`) writes in the project root besides node_modules: its install state,
 * and with the Plug'n'Play linker (its default) the loader files and the unplugged packages
 * (yarnpkg.com/configuration/yarnrc#nodeLinker, yarnpkg.com/features/pnp). A host copy of them over the install's
 * would stand for a different install.
 */
function yarnBerryOutputs(yarnrc: string): string[] {
  const linker = /^\s*nodeLinker:\s*["']?([\w-]+)/m.exec(yarnrc)?.[1] ?? 'pnp';
  return ['.yarn/install-state.gz', ...(linker === 'pnp' ? ['.pnp.cjs', '.pnp.loader.mjs', '.yarn/unplugged'] : [])];
}

/** Files that a Yarn Berry `.yarnrc.yml` makes the install read (`yarnPath`, plugin `path`s). */
function yarnrcPaths(text: string): string[] {
  return [...text.matchAll(/^\s*(?:-\s*)?(?:yarnPath|path):\s*["']?([^"'\s#]+)["']?/gm)].map((m) => path.posix.normalize(m[1]!));
}

/** A path a manifest in `folder` names, context-relative (an absolute one stays absolute, outside the context). */
const namedFrom = (folder: string, named: string): string => (path.posix.isAbsolute(named) ? named : path.posix.join(folder, named));

/** The string values of a name -> path map (`patchedDependencies`), or an empty list. */
const mapPaths = (value: unknown): string[] => (isRecord(value) ? Object.values(value).filter((v): v is string => typeof v === 'string') : []);

/**
 * Local patch files a Yarn Berry `patch:` range names: the selector after `#` (up to `::` parameters) lists
 * paths joined by `&`, URL-encoded; `~/` is the project root, other paths are relative to the declaring
 * package; `builtin<...>` patches ship with Yarn.
 */
function yarnPatchPaths(spec: string, folder: string, projectRoot: string): string[] {
  if (!spec.startsWith('patch:')) return [];
  const hash = spec.indexOf('#');
  if (hash < 0) return [];
  const selector = decodeURIComponent(spec.slice(hash + 1).split('::')[0]!);
  return selector
    .split('&')
    .map((p) => p.replace(/^optional!/, ''))
    .filter((p) => p && !/^builtin</.test(p))
    .map((p) => (p.startsWith('~/') ? path.posix.join(projectRoot, p.slice(2)) : namedFrom(folder, p)));
}

/** Patch files one package.json makes its install read: pnpm's and bun's `patchedDependencies`, yarn's `patch:` ranges. */
function patchFiles(pkg: PackageJson, file: string, projectRoot: string): string[] {
  const folder = path.posix.dirname(file);
  const pnpm = isRecord(pkg.pnpm) ? pkg.pnpm : {};
  const named = [...mapPaths(pkg.patchedDependencies), ...mapPaths(pnpm.patchedDependencies)].map((p) => namedFrom(folder, p));
  for (const field of [...DEPENDENCY_FIELDS, 'resolutions']) {
    for (const spec of Object.values(isRecord(pkg[field]) ? pkg[field] : {})) {
      if (typeof spec === 'string') named.push(...yarnPatchPaths(spec, folder, projectRoot));
    }
  }
  return named;
}

/**
 * What pnpm reads from pnpm-workspace.yaml, parsed as the YAML it is (a list written at the key's own indentation
 * or in flow form is the same list): the workspace globs (`packages`) and the patch files (`patchedDependencies`).
 */
function readPnpmWorkspace(text: string, file: string): { packages: string[]; patches: string[] } | Refusal {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return { refuse: `${file} is not valid YAML` };
  }
  const packages = isRecord(doc) && Array.isArray(doc.packages) ? doc.packages.filter((g): g is string => typeof g === 'string') : [];
  const patches = mapPaths(isRecord(doc) ? doc.patchedDependencies : undefined).map((p) => namedFrom(path.posix.dirname(file), p));
  return { packages, patches };
}

/** A patch a manifest names that is not there to copy: outside the build context or missing from it. */
function missingPatch(context: BuildContext, manifest: string, patch: string): Refusal | null {
  if (patch === '..' || patch.startsWith('../') || path.posix.isAbsolute(patch)) return { refuse: `${manifest} names the patch ${patch}, which is outside the build context` };
  return context.exists(patch) ? null : { refuse: `${manifest} names the patch ${patch}, which is ${context.refusal?.(patch) ?? 'not in the build context'}` };
}

function manifests(tool: NodeTool, argv: Argv, dir: string, context: BuildContext, environment: Environment): Manifests | Refusal {
  const written = argv.slice(1);
  if (written.some((a) => a === null)) return { refuse: `\`${tool}\` has arguments that depend on variables` };
  const args = written as string[];
  const moved = DIR_OPTIONS.find((o) => args.some((a) => a === o || a?.startsWith(`${o}=`)));
  if (moved) return { refuse: `\`${tool} ${moved}\` installs in another folder` };
  const at = (f: string) => path.posix.join(dir, f);
  const ignoresScripts = scriptsIgnored(tool, args, context.readFile(at('.npmrc')));
  const root = readPackage(context, at('package.json'));
  if ('refuse' in root) return root;
  const { pkg } = root;
  const omission: Omission = tool === 'npm' ? npmOmission(args, environment, context.readFile(at('.npmrc'))) : { types: new Set() };
  const linked = localDependencyManifests(tool, pkg, at('package.json'), dir, omission, context);
  if ('refuse' in linked) return linked;
  const pnpmWorkspaceText = context.readFile(at('pnpm-workspace.yaml'));
  const outside = pnpmWorkspaceText === undefined && pkg.workspaces === undefined ? workspaceOnlySpec(pkg, at('package.json')) : null;
  if (outside) return { refuse: outside };
  /** The files the install scripts of a package.json read, to copy with the manifests. */
  const scriptFiles: string[] = [];
  const unlessLeftOut: { path: string; refuse: string }[] = [];
  const yarnrc = context.readFile(at('.yarnrc.yml'));
  const runner = tool === 'yarn' && yarnPathIsBerry(yarnrc) ? 'yarn-berry' : tool;
  const readScripts = (member: PackageJson, file: string): Refusal | null => {
    if (ignoresScripts) return null;
    const read = lifecycleScriptFiles(runner, file, member, context, file === at('package.json'));
    if ('refuse' in read) return read;
    scriptFiles.push(...read.files);
    unlessLeftOut.push(...read.unlessLeftOut);
    return null;
  };
  const rootScripts = readScripts(pkg, at('package.json'));
  if (rootScripts) return rootScripts;
  const files = FILES.map(at).filter((f) => context.exists(f));
  const optional = files.filter((f) => !f.endsWith('package.json') && !f.endsWith('pnpm-workspace.yaml'));
  const pnpmWorkspace = pnpmWorkspaceText === undefined ? { packages: [], patches: [] } : readPnpmWorkspace(pnpmWorkspaceText, at('pnpm-workspace.yaml'));
  if ('refuse' in pnpmWorkspace) return pnpmWorkspace;
  const workspaces = workspaceManifests(context, dir, workspaceGlobs(pkg, pnpmWorkspace.packages));
  const patches: { manifest: string; patch: string }[] = patchFiles(pkg, at('package.json'), dir).map((patch) => ({ manifest: at('package.json'), patch }));
  const members: { file: string; pkg: PackageJson }[] = [];
  for (const file of workspaces) {
    const member = readPackage(context, file);
    if ('refuse' in member) return member;
    members.push({ file, pkg: member.pkg });
    const memberLinked = localDependencyManifests(tool, member.pkg, file, dir, omission, context);
    if ('refuse' in memberLinked) return memberLinked;
    linked.push(...memberLinked);
    const scripts = readScripts(member.pkg, file);
    if (scripts) return scripts;
    patches.push(...patchFiles(member.pkg, file, dir).map((patch) => ({ manifest: file, patch })));
  }
  files.push(...workspaces);
  for (const { file, pkg: linkedPkg } of linked) {
    if (files.includes(file)) continue;
    // Left out by .dockerignore, it is not there for npm to read in either build.
    files.push(file);
    optional.push(file);
    const scripts = readScripts(linkedPkg, file);
    if (scripts) return { refuse: `${scripts.refuse} (npm 10 runs the install scripts of a linked folder it leaves out)` };
  }
  if (!ignoresScripts) {
    const read = dependencyScriptFiles(at('package.json'), pkg, [{ file: at('package.json'), pkg }, ...members], context);
    if ('refuse' in read) return read;
    scriptFiles.push(...read.files);
    unlessLeftOut.push(...read.unlessLeftOut);
  }
  patches.push(...pnpmWorkspace.patches.map((patch) => ({ manifest: at('pnpm-workspace.yaml'), patch })));
  for (const { manifest, patch } of patches) {
    const missing = missingPatch(context, manifest, patch);
    if (missing) return missing;
    if (!files.includes(patch)) files.push(patch);
  }
  for (const file of scriptFiles) if (!files.includes(file)) files.push(file);
  // pnpm runs the hooks of .pnpmfile.cjs at the workspace root and checks its hash against the lockfile.
  if (tool === 'pnpm' && context.exists(at('.pnpmfile.cjs'))) files.push(at('.pnpmfile.cjs'));
  for (const ref of yarnrc ? yarnrcPaths(yarnrc) : []) {
    const file = at(ref);
    if (!context.exists(file)) return { refuse: `.yarnrc.yml names ${ref}, which is not in the build context` };
    files.push(file);
  }
  const folders = [dir, ...workspaces.map((w) => path.posix.dirname(w))];
  const shadowed = [...folders.map((f) => path.posix.join(f, 'node_modules')), ...(tool === 'yarn' && yarnrc !== undefined ? yarnBerryOutputs(yarnrc).map(at) : [])];
  return { files, optional, shadowed: shadowed.map(shadowedAt), ...(unlessLeftOut.length ? { unlessLeftOut } : {}) };
}

function nodeInstaller(tool: 'npm' | 'yarn' | 'pnpm' | 'bun'): Installer {
  return {
    tool,
    ecosystem: 'node',
    matches: (argv) => basename(argv[0]) === tool && isDependencyInstall(tool, argv.slice(1)),
    needsSources(argv) {
      const [sub] = positionals(argv.slice(1), VALUE_OPTIONS);
      const tests = tool === 'npm' ? NPM_COMMAND_NAMES.installTest : tool === 'pnpm' ? PNPM_INSTALL_TEST_NAMES : new Set<string>();
      return tests.has(sub ?? '') ? `\`${tool} ${sub}\` runs the project's tests after installing, and they need the sources` : null;
    },
    manifests: (argv, dir, context, _toContext, environment) => manifests(tool, argv, dir, context, environment),
  };
}

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const nodePrimaryManifests: readonly string[] = ['package.json'];

/** `pnpm fetch` options that say which packages it fetches and where from, carried from the install. */
const PNPM_FETCH_FLAGS = new Set(['--prod', '-P', '--dev', '-D']);
const PNPM_FETCH_VALUE_OPTIONS = new Set(['--store-dir', '--registry']);

/**
 * `pnpm fetch` "fetches packages from a lockfile into the virtual store; the package manifest is ignored"
 * (pnpm.io/cli/fetch, written for a Docker layer before the sources): it reads pnpm-lock.yaml, the settings in
 * .npmrc and pnpm-workspace.yaml, and the root package.json, whose `packageManager` picks the pnpm that corepack
 * runs. It writes the store and the project's node_modules, which the source copy must not then overwrite.
 */
function pnpmFetch(argv: Argv, dir: string, context: BuildContext): { words: CommandWord[]; manifests: Manifests } | Refusal {
  const at = (f: string) => path.posix.join(dir, f);
  if (!context.exists(at('pnpm-lock.yaml'))) return unreadable(context, at('pnpm-lock.yaml'));
  const words: CommandWord[] = [0, 'fetch'];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === null || a === undefined) continue;
    if (PNPM_FETCH_FLAGS.has(a)) words.push(i);
    else if (PNPM_FETCH_VALUE_OPTIONS.has(a) && i + 1 < argv.length) words.push(i, ++i);
    else if ([...PNPM_FETCH_VALUE_OPTIONS].some((o) => a.startsWith(`${o}=`))) words.push(i);
  }
  const files = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', '.pnpmfile.cjs'].map(at).filter((f) => context.exists(f));
  return { words, manifests: { files, optional: files.filter((f) => f !== at('pnpm-lock.yaml')), shadowed: [shadowedAt(at('node_modules'))] } };
}

export const nodeInstallers: readonly Installer[] = [nodeInstaller('npm'), nodeInstaller('yarn'), { ...nodeInstaller('pnpm'), lighterFetch: pnpmFetch }, nodeInstaller('bun')];
