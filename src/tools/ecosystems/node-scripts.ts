// The lifecycle scripts of the project's own package.json files that an install runs (and the install scripts of
// the dependencies documented to read the project), read instead of refused:
// a command that needs no project file runs the same with only the manifests copied; a file a script names
// (`node scripts/x.js`, `sh x.sh`, prisma's schema, patch-package's patches, the files copy-files-from-to's config
// names) is copied with the manifests; anything
// else may need the sources, and the refusal names the script, its package.json and the command.
import { builtinModules } from 'node:module';
import path from 'node:path';
import type { Node as JsNode } from 'acorn';
import picomatch from 'picomatch';
import { parseJavaScript } from './parsers.js';
import type { BuildContext } from '../../engine/types.js';
import { withShellText, type Command, type ShellNode, type ShellScript } from '../../engine/shell.js';
import type { Refusal } from './installer.js';

export type NodeTool = 'npm' | 'yarn' | 'pnpm' | 'bun';

/**
 * The scripts each manager runs for the project's own packages (root and workspaces) on an install without
 * package names. npm: `npm ci` and `npm install` run preinstall, install, postinstall, prepublish, preprepare,
 * prepare, postprepare, and `dependencies` after node_modules changed (docs.npmjs.com, "scripts"). pnpm: the same
 * install and prepare scripts, and `pnpm:devPreinstall` of the root only (pnpm.io/scripts). Yarn classic runs
 * preinstall, install, postinstall, prepublish and prepare; Berry runs postinstall, with preinstall and install
 * as part of it, and prepublish only on `yarn npm publish` (yarnpkg.com/advanced/lifecycle-scripts): where the
 * project does not show which Yarn runs, both. bun runs the root's and workspaces' install and prepare scripts
 * (bun.sh/docs/pm/lifecycle).
 */
const INSTALL_SCRIPTS: Record<ScriptRunner, readonly string[]> = {
  npm: ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare', 'dependencies'],
  pnpm: ['preinstall', 'install', 'postinstall', 'preprepare', 'prepare', 'postprepare'],
  yarn: ['preinstall', 'install', 'postinstall', 'prepublish', 'prepare'],
  'yarn-berry': ['preinstall', 'install', 'postinstall'],
  bun: ['preinstall', 'install', 'postinstall', 'preprepare', 'prepare', 'postprepare'],
};

/** Who runs the install scripts: the tool, or Yarn 2+ where the project shows it is that (`yarn` alone: either). */
export type ScriptRunner = NodeTool | 'yarn-berry';
const ROOT_ONLY_SCRIPTS: Partial<Record<ScriptRunner, readonly string[]>> = { pnpm: ['pnpm:devPreinstall'] };

/**
 * Commands that read no project file, so they do the same before and after the split:
 * - `echo`, `true`, `:`, `exit`: shell built-ins that print or set a status; `set`: sets the shell's own options;
 * - `only-allow`: compares the package manager that runs it (`npm_config_user_agent`) with its argument;
 * - `is-ci`: exits by the CI environment variables.
 * husky reads `.git`, so it is judged apart (`huskyNeeds`).
 */
const READS_NOTHING = new Set(['echo', 'true', ':', 'exit', 'set', 'only-allow', 'is-ci']);

/**
 * Commands that build the project from its sources, by their CLIs' documentation, and the subcommands that do (an
 * empty list: the command itself): TypeScript's compiler, Nest's `build` and `start` (which compiles first), and the
 * bundlers' and frameworks' builds.
 */
const BUILDS_PROJECT: ReadonlyMap<string, readonly string[]> = new Map([
  ['tsc', []],
  ['nest', ['build', 'start']],
  ['next', ['build']],
  ['nuxt', ['build', 'generate']],
  ['vite', ['build']],
  ['webpack', []],
  ['rollup', []],
  ['ng', ['build']],
  ['react-scripts', ['build']],
]);

/** Commands that run another command from the registry or node_modules, and the options they may take before it. */
const RUNNER_OPTIONS = new Set(['-y', '--yes', '--no', '-q', '--quiet']);

/** Node built-in modules that read no file and run no program: a script loading only these reads only its modules. */
const PURE_BUILTINS = new Set(['assert', 'assert/strict', 'buffer', 'console', 'crypto', 'events', 'os', 'path', 'path/posix', 'path/win32', 'process', 'querystring', 'string_decoder', 'timers', 'timers/promises', 'url', 'util', 'util/types']);
/** Node built-ins through which a script reads files. */
const FILE_SYSTEM_BUILTINS = new Set(['fs', 'fs/promises']);

/** Prisma's config file, which names the schema in code (prisma.io/docs/orm/reference/prisma-config-reference). */
const PRISMA_CONFIGS = ['prisma.config.ts', 'prisma.config.mts', 'prisma.config.cts', 'prisma.config.js', 'prisma.config.mjs', 'prisma.config.cjs', '.config/prisma.ts'];
/** `prisma generate` options that take a value, and those that change nothing it reads. */
const PRISMA_VALUE_OPTIONS = new Set(['--schema', '--generator']);
const PRISMA_FLAGS = new Set(['--no-hints', '--no-engine', '--data-proxy', '--accelerate', '--allow-no-models', '--require-models']);

/**
 * Dependencies whose own install script reads the project it is installed into, as the package documents it, and
 * the first major version that no longer does: `@prisma/client`'s postinstall runs `prisma generate` from the
 * folder the install was started in (INIT_CWD), so the schema is read there (prisma.io/docs, "Generating Prisma
 * Client"); Prisma 7 dropped the hook. A dependency's other install scripts build inside its own folder.
 */
const PROJECT_READING_DEPENDENCIES: ReadonlyMap<string, { runs: string; untilMajor: number }> = new Map([['@prisma/client', { runs: 'prisma generate', untilMajor: 7 }]]);

/** patch-package options that take a value (the others are flags). */
const PATCH_PACKAGE_VALUE_OPTIONS = new Set(['--patch-dir', '--exclude', '--include']);

type PackageJson = Record<string, unknown>;

/** One script being read: where it runs, who runs it (for messages), and the files read so far. */
interface Reading {
  context: BuildContext;
  /** The package's folder, the script's working directory (context-relative). */
  folder: string;
  pkg: PackageJson;
  files: string[];
  unlessLeftOut: { path: string; refuse: string }[];
  /** The scripts being read, outermost first (a script that runs one of these runs itself). */
  running: string[];
}

/** True when `--ignore-scripts` or the project's `.npmrc` (npm, pnpm: `ignore-scripts=true`) keeps every script from running. */
export function scriptsIgnored(tool: NodeTool, args: readonly (string | null)[], npmrc: string | undefined): boolean {
  if (args.includes('--ignore-scripts')) return true;
  if ((tool !== 'npm' && tool !== 'pnpm') || npmrc === undefined) return false;
  return npmrc.split(/\r?\n/).some((line) => {
    const [key, value] = line.replace(/[;#].*$/, '').split('=').map((part) => part.trim());
    return key === 'ignore-scripts' && value === 'true';
  });
}

/** The files the install scripts of one package.json read, in the order met, or why they may need the sources. */
export function lifecycleScriptFiles(runner: ScriptRunner, file: string, pkg: PackageJson, context: BuildContext, isRoot: boolean): Pick<Reading, 'files' | 'unlessLeftOut'> | Refusal {
  const scripts = isRecord(pkg.scripts) ? pkg.scripts : {};
  const reading: Reading = { context, folder: path.posix.dirname(file), pkg, files: [], unlessLeftOut: [], running: [] };
  const folderPath = (name: string) => path.posix.join(reading.folder, name);
  if (typeof scripts.install !== 'string' && typeof scripts.preinstall !== 'string' && context.exists(folderPath('binding.gyp'))) {
    // npm (and pnpm, Yarn) default the install script of a package with a binding.gyp to `node-gyp rebuild`.
    return { refuse: `${file} has no "install" script but a binding.gyp, so the install runs \`node-gyp rebuild\`, which compiles the sources` };
  }
  const names = [...(isRoot ? (ROOT_ONLY_SCRIPTS[runner] ?? []) : []), ...INSTALL_SCRIPTS[runner]];
  const problem = firstBlocker(names.map((name) => () => {
    const text = scripts[name];
    return typeof text === 'string' ? readShellText(text, `${file}'s "${name}" script`, `${file}'s "${name}" script (\`${text}\`)`, reading) : null;
  }));
  return problem ?? { files: reading.files, unlessLeftOut: reading.unlessLeftOut };
}

/**
 * The files that dependencies' install scripts read in the project (PROJECT_READING_DEPENDENCIES), run in the
 * install's root folder whichever package.json (`declaring`: root or workspace) names the dependency. A version
 * range whose major is not a plain number (`latest`, `*`, an alias) is taken to run the script.
 */
export function dependencyScriptFiles(rootFile: string, root: PackageJson, declaring: readonly { file: string; pkg: PackageJson }[], context: BuildContext): Pick<Reading, 'files' | 'unlessLeftOut'> | Refusal {
  const reading: Reading = { context, folder: path.posix.dirname(rootFile), pkg: root, files: [], unlessLeftOut: [], running: [] };
  for (const [name, { runs, untilMajor }] of PROJECT_READING_DEPENDENCIES) {
    const declared = declaring.find(({ pkg }) => ['dependencies', 'devDependencies', 'optionalDependencies'].some((field) => isRecord(pkg[field]) && typeof (pkg[field] as PackageJson)[name] === 'string'));
    if (!declared) continue;
    const spec = ['dependencies', 'devDependencies', 'optionalDependencies'].map((field) => (isRecord(declared.pkg[field]) ? (declared.pkg[field] as PackageJson)[name] : undefined)).find((v): v is string => typeof v === 'string')!;
    const major = /^\s*[\^~=v]?\s*(\d+)(?:[.\s]|$)/.exec(spec)?.[1];
    if (major !== undefined && Number(major) >= untilMajor) continue;
    const who = `the postinstall of ${name} (${spec}, a dependency in ${declared.file})`;
    const problem = readShellText(runs, who, `${who} (\`${runs}\`)`, reading);
    if (problem) return problem;
  }
  return { files: reading.files, unlessLeftOut: reading.unlessLeftOut };
}

/**
 * Reads a script's commands. `who` runs them (messages go on "`who` runs ..."); `subject` is what is not a chain
 * of simple commands when it is not one.
 */
function readShellText(text: string, who: string, subject: string, reading: Reading): Refusal | null {
  return withShellText(text, (script) => {
    const commands = simpleCommands(script);
    if (!commands) return { refuse: `${subject} is not a chain of simple commands, so what it reads is not known` };
    return firstBlocker(commands.map((command) => () => readArgv([command.name, ...command.args.map((a) => a.value)], who, reading)));
  });
}

/**
 * The refusal of the first step that has one, or of a later step whose reason is certain where the first's is only
 * a limit of what dockmod reads (`prisma generate` with a config file, then `nest start`, which compiles the sources).
 */
function firstBlocker(steps: readonly (() => Refusal | null)[]): Refusal | null {
  let first: Refusal | null = null;
  for (const step of steps) {
    const problem = step();
    if (problem?.certain) return problem;
    first ??= problem;
  }
  return first;
}

/** The commands of a script made only of simple commands joined by `&&`, `||`, `;` or lines, else null. */
function simpleCommands(script: ShellScript): Command[] | null {
  if (script.hasError) return null;
  const nodes: ShellNode[] = [];
  const pending = script.root.namedChildren.filter((n): n is ShellNode => !!n && n.type !== 'comment').reverse();
  while (pending.length) {
    const node = pending.pop()!;
    if (node.type === 'list') pending.push(...node.namedChildren.filter((n): n is ShellNode => !!n && n.type !== 'comment').reverse());
    else if (node.type === 'command') nodes.push(node);
    else return null;
  }
  const commands = script.commands();
  // A command inside `$(...)`, or one whose name is not static, makes the two lists differ.
  if (commands.length !== nodes.length || commands.some((c, i) => c.start !== nodes[i]!.startIndex)) return null;
  const redirects = ['file_redirect', 'heredoc_redirect', 'herestring_redirect'];
  return nodes.some((n) => n.namedChildren.some((c) => c && redirects.includes(c.type))) ? null : commands;
}

function readArgv(written: (string | null)[], who: string, reading: Reading): Refusal | null {
  const argv = packageRunnerCommand(written);
  const [name, ...args] = argv;
  if (name === null || name === undefined) return { refuse: `${who} runs \`${written[0]}\` with a command that depends on variables or options dockmod does not read` };
  const script = scriptRun(argv, reading);
  if (script) {
    if ('refuse' in script) return { refuse: `${who} runs \`${argv.join(' ')}\`, ${script.refuse}` };
    if (!('bin' in script)) return readShellText(script.text, `${who} (through script "${script.name}")`, `the "${script.name}" script that ${who} runs`, { ...reading, running: [...reading.running, script.name] });
    return readArgv(script.bin, who, reading);
  }
  if (READS_NOTHING.has(name)) return null;
  if (name.includes('/')) return pathRunNeeds(name, who, reading);
  if (args.some((a) => a === null)) return { refuse: `${who} runs \`${name}\` with arguments that depend on variables` };
  const words = args as string[];
  switch (name) {
    case 'husky':
      return huskyNeeds(words, who, reading);
    case 'patch-package':
      return patchPackageNeeds(words, who, reading);
    case 'copy-files-from-to':
      return copyFilesFromToNeeds(words, who, reading);
    case 'prisma':
      if (words[0] === 'generate') return prismaGenerateNeeds(words.slice(1), who, reading);
      break;
    case 'node':
      if (words[0] === undefined || words[0].startsWith('-')) return { refuse: `${who} runs \`node${words[0] ? ` ${words[0]}` : ''}\`, which may need the sources` };
      return nodeFileNeeds(words[0], who, reading);
    case 'sh':
    case 'bash':
    case 'dash':
      if (words[0] === undefined || words[0].startsWith('-')) break;
      return shellFileNeeds(words[0], who, reading);
  }
  const builds = BUILDS_PROJECT.get(name);
  if (builds && (builds.length === 0 ? !words.some((w) => ['-v', '--version', '-h', '--help'].includes(w)) : builds.includes(words[0] ?? ''))) {
    return { refuse: `${who} runs \`${[name, ...words].join(' ')}\`, which builds the project from its sources`, certain: true };
  }
  return { refuse: `${who} runs \`${name}\`, which may need the sources` };
}

/**
 * The command a runner runs (`npx only-allow pnpm` -> `only-allow pnpm`: npx, pnpx, bunx, `bun x`, `pnpm dlx|exec`,
 * `yarn dlx|exec`, `npm exec`, and `cross-env`/`env` after their assignments), or the argv itself. A runner option dockmod does not know leaves a null name.
 */
export function packageRunnerCommand(argv: (string | null)[]): (string | null)[] {
  const [name, sub] = argv;
  let rest: (string | null)[];
  if (name === 'npx' || name === 'pnpx' || name === 'bunx') rest = argv.slice(1);
  else if ((name === 'pnpm' || name === 'yarn') && (sub === 'dlx' || sub === 'exec')) rest = argv.slice(2);
  else if ((name === 'npm' && sub === 'exec') || (name === 'bun' && sub === 'x')) rest = argv.slice(2);
  else if (name === 'cross-env' || name === 'env') {
    // `cross-env NAME=value ... command` (and `env`) run the command with those variables set, which change no file
    // it reads here; an option of theirs is not read.
    rest = argv.slice(1);
    while (rest[0] !== undefined && rest[0] !== null && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0])) rest = rest.slice(1);
    return rest[0] === undefined || rest[0] === null || rest[0].startsWith('-') ? [null] : packageRunnerCommand(rest);
  } else return argv;
  while (rest[0] !== undefined && rest[0] !== null && RUNNER_OPTIONS.has(rest[0])) rest = rest.slice(1);
  if (rest[0] === '--') rest = rest.slice(1);
  return rest[0] === null || rest[0]?.startsWith('-') ? [null] : packageRunnerCommand(rest);
}

/** Yarn's own commands (classic and Berry): any other first word runs a script of that name, else a package's bin. */
const YARN_COMMANDS = new Set(['add', 'audit', 'autoclean', 'bin', 'cache', 'check', 'config', 'constraints', 'create', 'dedupe', 'dlx', 'exec', 'explain', 'generate-lock-entry', 'global', 'help', 'import', 'info', 'init', 'install', 'licenses', 'link', 'list', 'login', 'logout', 'node', 'npm', 'outdated', 'owner', 'pack', 'patch', 'patch-commit', 'plugin', 'policies', 'publish', 'rebuild', 'remove', 'run', 'set', 'stage', 'tag', 'team', 'test', 'unlink', 'unplug', 'up', 'upgrade', 'upgrade-interactive', 'version', 'versions', 'why', 'workspace', 'workspaces']);

/**
 * What a package manager runs for `npm run x`, `pnpm run x`, `yarn run x` or `yarn x` in a script: the package's
 * script `x` (the text, to read in turn), or with Yarn a bin `x` of the installed packages when there is no such
 * script (yarnpkg.com/cli/run); null when the command is none of these. Extra words after a script's name are
 * passed to it, which dockmod does not follow: a refusal.
 */
function scriptRun(argv: (string | null)[], reading: Reading): { name: string; text: string } | { bin: (string | null)[] } | Refusal | null {
  const [tool, first, ...rest] = argv;
  const viaRun = (tool === 'npm' && (first === 'run' || first === 'run-script')) || ((tool === 'pnpm' || tool === 'yarn') && first === 'run');
  const yarnShort = tool === 'yarn' && typeof first === 'string' && !first.startsWith('-') && !YARN_COMMANDS.has(first);
  if (!viaRun && !yarnShort) return null;
  const [name, ...extra] = viaRun ? rest : [first, ...rest];
  if (typeof name !== 'string' || name.startsWith('-')) return { refuse: 'whose script name dockmod does not read' };
  const scripts = isRecord(reading.pkg.scripts) ? reading.pkg.scripts : {};
  const text = scripts[name];
  if (typeof text !== 'string') return tool === 'yarn' ? { bin: [name, ...extra] } : { refuse: `and ${reading.folder === '.' ? '' : `${reading.folder}/`}package.json has no script "${name}"` };
  if (reading.running.includes(name)) return { refuse: `and the script "${name}" runs itself` };
  if (extra.length) return { refuse: 'passing words to the script, which dockmod does not follow' };
  return { name, text };
}

/**
 * husky (v9 `husky [dir]`, v5-8 `husky install [dir]`) sets `core.hooksPath` in the `.git` of its working folder
 * and writes `<dir>/_/`; without a `.git` it prints a message and writes nothing (v8: `git rev-parse` fails and it
 * skips). With a `.git` in the context that the source copy brings, the split would run it before `.git` is there.
 */
function huskyNeeds(args: string[], who: string, reading: Reading): Refusal | null {
  const dirArgs = args[0] === 'install' ? args.slice(1) : args;
  if (dirArgs.length > 1 || dirArgs.some((a) => a.startsWith('-'))) return { refuse: `${who} runs \`husky ${args.join(' ')}\`, which may need the sources` };
  for (let folder = reading.folder; ; folder = path.posix.dirname(folder)) {
    const git = path.posix.join(folder, '.git');
    if (reading.context.exists(git)) {
      reading.unlessLeftOut.push({ path: git, refuse: `${who} runs \`husky\`, which sets up git hooks in the .git folder the source copy brings: after the split it would run before .git is copied and set up none` });
      return null;
    }
    if (folder === '.' || folder === '') return null;
  }
}

/** patch-package applies every patch in its folder (`patches/`, or `--patch-dir`); package names make it create one. */
function patchPackageNeeds(args: string[], who: string, reading: Reading): Refusal | null {
  let patchDir = 'patches';
  for (let i = 0; i < args.length; i++) {
    const [option, inline] = splitOption(args[i]!);
    if (!option.startsWith('-')) return { refuse: `${who} runs \`patch-package ${option}\`, which writes a patch from the installed package` };
    if (!PATCH_PACKAGE_VALUE_OPTIONS.has(option)) continue;
    const value = inline ?? args[++i];
    if (option === '--patch-dir' && value !== undefined) patchDir = value;
  }
  const folder = contextPath(reading.folder, patchDir);
  if (folder === null) return { refuse: `${who} runs \`patch-package\` with the patch folder ${patchDir}, which is outside the build context` };
  addFiles(reading, reading.context.listFiles().filter((f) => f.startsWith(`${folder}/`)));
  return null;
}

/** copy-files-from-to's options that take a value, each under its other spelling too (yargs reads both). */
const COPY_FILES_VALUE_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['--config', 'config'],
  ['--mode', 'mode'],
  ['--when-file-exists', 'whenFileExists'],
  ['--whenFileExists', 'whenFileExists'],
]);
/** Its flags that change nothing it reads or writes; `-h`, `-v` print and exit. */
const COPY_FILES_FLAGS = new Set(['--verbose', '--silent', '-h', '--help', '-v', '--version']);
const WHEN_FILE_EXISTS = ['notify-about-available-change', 'overwrite', 'do-nothing'];

/**
 * copy-files-from-to (its README and index.js, main.js) reads the config `--config` names, else the first of
 * copy-files-from-to.cjson, copy-files-from-to.json and package.json in its working folder, and copies each entry of
 * `copyFiles` (only those marked `only`, when some are): `from` and `to` are paths relative to the config's folder,
 * or per mode (`--mode`, else `default`) `{ "<mode>": path | { "src" | "dest": path, "skip": true } }`; a `from` is a
 * file, a folder (every file in it), a glob or a list of globs (`!` excludes), or a URL; a glob `to` drops the
 * entry. It reads those files: the context's are copied with the manifests, what the install writes in
 * node_modules is there by then, a URL is fetched either way. It writes `to` unless a file is there already
 * (`whenFileExists`, default `do-nothing`): there either way, the source copy then brings the same file over it, so
 * only `overwrite` (or `addReferenceToSourceOfOrigin`, which writes `<to>.source.txt` only when it copies) makes the
 * split refuse where the source copy brings such a file.
 */
function copyFilesFromToNeeds(args: string[], who: string, reading: Reading): Refusal | null {
  const cmd = `${who} runs \`copy-files-from-to\``;
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const [option, inline] = splitOption(args[i]!);
    const name = COPY_FILES_VALUE_OPTIONS.get(option);
    if (name !== undefined) {
      const value = inline ?? args[++i];
      if (value === undefined || options.has(name)) return { refuse: `${cmd} with options dockmod does not read` };
      options.set(name, value);
    } else if (!COPY_FILES_FLAGS.has(option)) return { refuse: `${cmd} with \`${option}\`, which dockmod does not read` };
  }
  if (args.some((a) => ['-h', '--help', '-v', '--version'].includes(a))) return null;
  const { context, folder } = reading;
  const sent = new Set(context.listFiles());
  const named = options.get('config');
  const configFile = named !== undefined ? contextPath(folder, named) : ['copy-files-from-to.cjson', 'copy-files-from-to.json', 'package.json'].map((f) => path.posix.join(folder, f)).find((f) => sent.has(f));
  if (configFile === null) return { refuse: `${cmd}, whose config ${named} is outside the build context` };
  if (configFile === undefined) return null;
  let config: unknown;
  try {
    config = JSON.parse((context.readFile(configFile) ?? '').replace(/^\uFEFF/, ''));
  } catch {
    return { refuse: `${cmd}, whose config ${configFile} is ${context.readFile(configFile) === undefined ? (context.refusal?.(configFile) ?? 'not in the build context') : 'not JSON that dockmod parses'}` };
  }
  const settings = isRecord(config) && isRecord(config.copyFilesSettings) ? config.copyFilesSettings : {};
  const listed = isRecord(config) && Array.isArray(config.copyFiles) ? (config.copyFiles as unknown[]) : [];
  if (!listed.every(isRecord)) return { refuse: `${cmd}, and ${configFile} has an entry in "copyFiles" dockmod does not read` };
  const marked = (listed as Record<string, unknown>[]).filter((entry) => entry.only);
  const entries = marked.length ? marked : (listed as Record<string, unknown>[]);
  const mode = options.get('mode') ?? 'default';
  /** An entry's value for the mode: a string, a list (for `from`), or the object's `key` unless it is skipped. */
  const forMode = (value: unknown, key: 'src' | 'dest'): unknown => {
    if (typeof value === 'string' || Array.isArray(value) || !isRecord(value)) return value;
    const chosen = value[mode] || value.default || {};
    return isRecord(chosen) ? chosen[key] : chosen;
  };
  const configFolder = path.posix.dirname(configFile);
  const dot = !settings.ignoreDotFilesAndFolders;
  const byWhen = [options.get('whenFileExists'), settings.whenFileExists].find((w): w is string => typeof w === 'string' && WHEN_FILE_EXISTS.includes(w));
  const overwrites = byWhen === 'overwrite';
  const recordsOrigin = !!settings.addReferenceToSourceOfOrigin;
  const read: string[] = [];
  for (const entry of entries) {
    if (entry.from === undefined || entry.from === null || entry.to === undefined || entry.to === null) return { refuse: `${cmd}, and ${configFile} has an entry without "from" or "to"` };
    const from = forMode(entry.from, 'src');
    const to = forMode(entry.to, 'dest');
    // Entries the tool passes over: a `to` that is not a path, or is a glob; a `from` that is neither path nor list.
    if (typeof to !== 'string' || picomatch.scan(to).isGlob || (typeof from !== 'string' && !Array.isArray(from))) continue;
    if (typeof from === 'string' && /^(https?|ftp):\/\//.test(from)) continue;
    const patterns = typeof from === 'string' ? [from] : from;
    if (!patterns.every((p): p is string => typeof p === 'string')) return { refuse: `${cmd}, and ${configFile} gives fast-glob settings in a "from" list, which dockmod does not follow` };
    const atConfig = (p: string) => path.posix.normalize(path.posix.join(configFolder, p)).replace(/\/$/, '');
    const positive = patterns.filter((p) => !p.startsWith('!')).map(atConfig);
    const outside = positive.find((p) => p === '..' || p.startsWith('../'));
    if (outside !== undefined) return { refuse: `${cmd}, which copies ${outside}, outside the build context` };
    const installed = (p: string) => p.split('/').includes('node_modules');
    if (typeof from === 'string' && !picomatch.scan(from).isGlob) {
      const file = positive[0]!;
      const under = [...sent].filter((f) => f.startsWith(`${file}/`) && (dot || !f.slice(file.length + 1).split('/').some((part) => part.startsWith('.'))));
      if (sent.has(file)) read.push(file);
      else if (under.length) read.push(...under);
      else if (!installed(file)) return { refuse: `${cmd}, which copies ${file}, which is ${context.refusal?.(file) ?? 'not in the build context'}` };
    } else {
      const negative = patterns.filter((p) => p.startsWith('!')).map((p) => atConfig(p.slice(1)));
      const matches = picomatch(positive, { dot, ...(negative.length && { ignore: negative }) });
      read.push(...[...sent].filter((f) => matches(f)));
    }
    const written = atConfig(to);
    if (!overwrites && !recordsOrigin) continue;
    const writes = (f: string) => f === written || f.startsWith(`${written}/`) || (recordsOrigin && f === `${written}.source.txt`);
    for (const f of [...sent].filter(writes)) {
      const refuse = overwrites
        ? `${cmd}, which overwrites ${f} (whenFileExists "overwrite"), a file the source copy brings: after the split the source copy would put it back over the copied one`
        : `${cmd}, which writes ${written} and ${written}.source.txt (addReferenceToSourceOfOrigin) only where ${written} is not there yet, and the source copy brings ${f}: after the split it would run before ${f} is there`;
      reading.unlessLeftOut.push({ path: f, refuse });
    }
  }
  addFiles(reading, [configFile, ...read]);
  return null;
}

/**
 * `prisma generate` reads its schema: `--schema`, else package.json `prisma.schema`, else `prisma/schema.prisma`
 * or `schema.prisma` (prisma.io/docs/orm/prisma-schema/overview/location); a folder is a multi-file schema, all
 * its `.prisma` files. It writes each generator's `output` (relative to the schema file): where that is a folder
 * the source copy brings, the copy would overwrite the generated client after the split.
 */
function prismaGenerateNeeds(args: string[], who: string, reading: Reading): Refusal | null {
  const { context, folder } = reading;
  const cmd = `${who} runs \`prisma generate\``;
  let schemaArg: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const [option, inline] = splitOption(args[i]!);
    if (PRISMA_VALUE_OPTIONS.has(option)) {
      const value = inline ?? args[++i];
      if (option === '--schema') schemaArg = value;
    } else if (!PRISMA_FLAGS.has(option)) return { refuse: `${who} runs \`prisma generate ${option}\`, which may need the sources` };
  }
  const config = PRISMA_CONFIGS.map((c) => path.posix.join(folder, c)).find((c) => context.exists(c));
  if (config) return { refuse: `${cmd}, whose schema ${config} names, which dockmod does not evaluate` };
  const prismaField = isRecord(reading.pkg.prisma) ? reading.pkg.prisma.schema : undefined;
  const candidates = schemaArg !== undefined ? [schemaArg] : typeof prismaField === 'string' ? [prismaField] : ['prisma/schema.prisma', 'schema.prisma'];
  const schemaFiles = candidates.map((c) => prismaSchemaFiles(context, folder, c)).find((files) => files.length);
  if (!schemaFiles) return { refuse: `${cmd}, whose schema is not in the build context` };
  for (const schema of schemaFiles) {
    for (const output of generatorOutputs(context.readFile(schema) ?? '')) {
      const written = contextPath(path.posix.dirname(schema), output);
      if (written === null || written.split('/').includes('node_modules')) continue;
      if (context.listFiles().some((f) => f.startsWith(`${written}/`))) return { refuse: `${cmd}, which writes ${written}, which the source copy would then overwrite` };
    }
  }
  addFiles(reading, schemaFiles);
  return null;
}

/** The schema files a schema path names: the file (with the `.prisma` files beside and below it in its own folder), or a folder's `.prisma` files. */
function prismaSchemaFiles(context: BuildContext, folder: string, named: string): string[] {
  const at = contextPath(folder, named);
  if (at === null) return [];
  const prismaUnder = (dir: string) => context.listFiles().filter((f) => f.startsWith(`${dir}/`) && f.endsWith('.prisma'));
  if (context.readFile(at) === undefined) return prismaUnder(at);
  const own = path.posix.dirname(at);
  return own === folder ? [at] : [at, ...prismaUnder(own).filter((f) => f !== at)];
}

/** The `output = "..."` of each `generator` block of a Prisma schema. */
function generatorOutputs(schema: string): string[] {
  return [...schema.matchAll(/^\s*generator\s+\w+\s*\{([^}]*)\}/gm)].flatMap((block) => {
    const output = /^\s*output\s*=\s*"([^"]*)"/m.exec(block[1]!);
    return output ? [output[1]!] : [];
  });
}

/** `#!/bin/sh`, `#!/usr/bin/env -S node --flag`: the interpreter's name. */
const INTERPRETER_LINE = /^#!\s*(?:\S*\/)?(?:env\s+(?:-S\s+)?)?([^\s/]+)/;

/**
 * A file of the context run by its path (`bin/setup.sh`, `./scripts/note.js`): the kernel runs it with the
 * interpreter its `#!` line names, and the shell npm runs scripts with runs one that has none as a shell script
 * (POSIX, "Command Search and Execution"). A shell or node script is read as `sh file` or `node file` would be.
 */
function pathRunNeeds(named: string, who: string, reading: Reading): Refusal | null {
  const file = namedFile(named, who, reading);
  if (typeof file !== 'string') return file;
  const interpreter = INTERPRETER_LINE.exec(reading.context.readFile(file)!)?.[1];
  if (interpreter === undefined || /^(sh|bash|dash)$/.test(interpreter)) return shellFileNeeds(named, who, reading);
  if (interpreter === 'node') return nodeFileNeeds(named, who, reading);
  return { refuse: `${who} runs ${file}, a script for ${interpreter}, which may need the sources` };
}

/** A script file run with sh or bash: its commands are read by the same rules, in the same working folder. */
function shellFileNeeds(named: string, who: string, reading: Reading): Refusal | null {
  const file = namedFile(named, who, reading);
  if (typeof file !== 'string') return file;
  if (reading.files.includes(file)) return null;
  addFiles(reading, [file]);
  return readShellText(reading.context.readFile(file)!, `${who} runs ${file}, which`, `${who} runs ${file}, which`, reading);
}

/**
 * A JavaScript file run with node, and the modules it loads, transitively. The script runs after the dependencies
 * are installed, but a package, or a built-in that reads files or runs programs, may read any project file: only
 * relative modules and pure built-ins are followed; anything else refuses naming the module.
 */
function nodeFileNeeds(named: string, who: string, reading: Reading): Refusal | null {
  const entry = namedFile(named, who, reading);
  if (typeof entry !== 'string') return entry;
  const pending = [entry];
  while (pending.length) {
    const file = pending.shift()!;
    if (reading.files.includes(file)) continue;
    addFiles(reading, [file]);
    if (file.endsWith('.json')) continue;
    const loader = `${who} runs ${entry}, ${file === entry ? 'which' : `whose module ${file}`}`;
    const specifiers = moduleSpecifiers(reading.context.readFile(file)!);
    if (specifiers === null) return { refuse: `${loader} is not JavaScript that dockmod parses` };
    for (const specifier of specifiers) {
      if (specifier === null) return { refuse: `${loader} loads a module named at run time` };
      if (specifier.startsWith('.')) {
        const loaded = resolveRelative(reading.context, path.posix.dirname(file), specifier);
        if (loaded === null) return { refuse: `${loader} loads ${specifier}, which is not a file of the build context` };
        pending.push(loaded);
        continue;
      }
      const builtin = specifier.replace(/^node:/, '');
      if (PURE_BUILTINS.has(builtin)) continue;
      if (FILE_SYSTEM_BUILTINS.has(builtin)) return { refuse: `${loader} loads \`${specifier}\`, which can read any file` };
      if (builtinModules.includes(builtin)) return { refuse: `${loader} loads \`${specifier}\`, which can read files or run programs` };
      return { refuse: `${loader} loads the package \`${specifier}\`, whose reads dockmod does not know` };
    }
  }
  return null;
}

/** How Node resolves a relative specifier to a file: as written, with `.js`/`.json`/`.cjs`/`.mjs`, or a folder's index. */
function resolveRelative(context: BuildContext, from: string, specifier: string): string | null {
  const base = contextPath(from, specifier);
  if (base === null) return null;
  const candidates = [base, ...['.js', '.json', '.cjs', '.mjs'].map((ext) => base + ext), ...['index.js', 'index.json', 'index.cjs', 'index.mjs'].map((i) => path.posix.join(base, i))];
  return candidates.find((c) => /\.(c|m)?js$|\.json$/.test(c) && context.readFile(c) !== undefined) ?? null;
}

/**
 * The specifiers a module loads (`import`, `export ... from`, `import()`, `require()`), or null for code that does
 * not parse; a null entry for a module named at run time (`require(name)`, `require` passed around).
 */
function moduleSpecifiers(code: string): (string | null)[] | null {
  let program: JsNode;
  try {
    program = parseJavaScript(code, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true });
  } catch {
    try {
      program = parseJavaScript(code, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true, allowReturnOutsideFunction: true });
    } catch {
      return null;
    }
  }
  const specifiers: (string | null)[] = [];
  const pending: EsNode[] = [program as unknown as EsNode];
  while (pending.length) {
    const node = pending.pop()!;
    let children = Object.entries(node).filter(([key]) => key !== 'type');
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportNamedDeclaration':
      case 'ExportAllDeclaration':
      case 'ImportExpression':
        if (node.source) specifiers.push(staticString(node.source as EsNode));
        break;
      case 'CallExpression':
        if (isIdentifier(node.callee, 'require')) {
          const args = node.arguments as EsNode[];
          specifiers.push(args.length === 1 ? staticString(args[0]!) : null);
          children = children.filter(([key]) => key !== 'callee');
        }
        break;
      case 'Identifier':
        // `require` other than called with a string: handed on, `require.resolve`, `module.require(...)`.
        if (node.name === 'require') specifiers.push(null);
        break;
      case 'MemberExpression':
        if (!node.computed) children = children.filter(([key]) => key !== 'property' || (isIdentifier(node.object, 'module') && isIdentifier(node.property, 'require')));
        break;
      case 'Property':
      case 'PropertyDefinition':
      case 'MethodDefinition':
        if (!node.computed) children = children.filter(([key]) => key !== 'key');
        break;
    }
    for (const [, value] of children) {
      for (const child of Array.isArray(value) ? value : [value]) if (isEsNode(child)) pending.push(child);
    }
  }
  return specifiers;
}

type EsNode = { type: string } & Record<string, unknown>;
const isEsNode = (value: unknown): value is EsNode => isRecord(value) && typeof value.type === 'string';
const isIdentifier = (value: unknown, name: string): boolean => isEsNode(value) && value.type === 'Identifier' && value.name === name;

/** A string literal's value, or a template literal's without expressions; null for anything computed. */
function staticString(node: EsNode): string | null {
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  const quasis = node.quasis as { value: { cooked: string | null } }[] | undefined;
  if (node.type === 'TemplateLiteral' && (node.expressions as unknown[]).length === 0) return quasis?.[0]?.value.cooked ?? null;
  return null;
}

/** A file a command names, as a context path, or the refusal when it is outside the context or not a file there. */
function namedFile(named: string, who: string, reading: Reading): string | Refusal {
  const file = contextPath(reading.folder, named);
  if (file === null) return { refuse: `${who} runs ${named}, which is outside the build context` };
  if (reading.context.readFile(file) === undefined) return { refuse: `${who} runs ${file}, which is ${reading.context.refusal?.(file) ?? 'not in the build context'}` };
  return file;
}

/** `named` (relative to `folder`) as a normalised context path, or null when it is absolute or leaves the context. */
function contextPath(folder: string, named: string): string | null {
  if (path.posix.isAbsolute(named)) return null;
  const joined = path.posix.normalize(path.posix.join(folder, named)).replace(/\/$/, '');
  return joined === '..' || joined.startsWith('../') ? null : joined;
}

/** `--option=value` as its two parts; `--option` or a positional as itself with no value. */
function splitOption(arg: string): [string, string | undefined] {
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  return eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function addFiles(reading: Reading, files: string[]): void {
  for (const f of files) if (!reading.files.includes(f)) reading.files.push(f);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
