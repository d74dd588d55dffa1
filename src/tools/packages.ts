// Package-manager vocabulary shared by the size transforms: which commands install, prompt, clean up, and where
// each tool keeps its download cache. Every predicate takes a parsed command (src/engine/shell.ts), never raw text.
import type { Document, Instruction, Stage } from '../engine/document.js';
import { andSteps, type Command, type ShellNode, type ShellScript, type Word } from '../engine/shell.js';
import { aptSubcommand, argValues, hasOption, isAptFetch, isAptUpdate, pipCacheDirOption } from './commands.js';

function basename(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** The first non-option word of `args`, skipping the values of `valueOptions`; null when a word is dynamic first. */
function subcommandWord(args: readonly Word[], valueOptions: ReadonlySet<string>): Word | null {
  for (let i = 0; i < args.length; i++) {
    const value = args[i]!.value;
    if (value === null) return null;
    if (valueOptions.has(value)) i++;
    else if (!value.startsWith('-')) return args[i]!;
  }
  return null;
}

// --- apt ---------------------------------------------------------------------------------------------------

/** apt subcommands that ask "Do you want to continue? [Y/n]" before changing the system. */
const APT_PROMPTING = new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'remove', 'purge', 'autoremove', 'autopurge', 'build-dep', 'reinstall']);

/** The subcommand word of an apt command that would prompt, or null. */
export function aptPromptingSubcommand(cmd: Command): Word | null {
  const sub = aptSubcommand(cmd);
  return sub && APT_PROMPTING.has(sub.name) ? sub.word : null;
}

/** `-y`, `--yes`, `--assume-yes`, combined short options holding `y`, quiet level 2 (`-qq`, which implies -y). */
export function aptAssumesYes(cmd: Command): boolean {
  const args = argValues(cmd);
  let quiet = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === null || a === undefined) continue;
    if (a === '--yes' || a === '--assume-yes' || a === '-q=2' || a === '--quiet=2') return true;
    if ((a === '-o' || a === '--option') && /^APT::Get::Assume-Yes=(1|true|yes)$/i.test(args[i + 1] ?? '')) return true;
    if (/^-[a-zA-Z]+$/.test(a)) {
      if (a.includes('y')) return true;
      quiet += a.split('q').length - 1;
    }
  }
  return quiet >= 2;
}

/** An `apt-get install`/`apt install` command: its `install` word, or null. */
export function aptInstallWord(cmd: Command): Word | null {
  const sub = aptSubcommand(cmd);
  return sub?.name === 'install' ? sub.word : null;
}

/** The command already decides about recommended packages (`--no-install-recommends`, `-o APT::Install-Recommends=...`). */
export function aptDecidesRecommends(cmd: Command): boolean {
  const args = argValues(cmd);
  if (hasOption(args, '--no-install-recommends', '--install-recommends')) return true;
  return args.some((a) => a !== null && /APT::Install-Recommends/i.test(a));
}

/** A path argument (`rm -rf /var/lib/apt/lists/*`) as written, for clean-up checks: globs are kept as text. */
const pathTexts = (cmd: Command): string[] => cmd.args.map((a) => a.value ?? a.text.replace(/^["']|["']$/g, ''));

const isAptDistClean = (c: Command): boolean => ['dist-clean', 'distclean'].includes(aptSubcommand(c)?.name ?? '');

/** The script already removes apt's package lists (`rm -rf /var/lib/apt/lists/*`, apt 3's `apt-get dist-clean`). */
export function cleansAptLists(script: ShellScript): boolean {
  return script.commands().some((c) => isAptDistClean(c) || pathTexts(c).some((p) => p.startsWith('/var/lib/apt/lists') || /^\/var\/lib\/apt\/?\*?$/.test(p)));
}

/** A command that removes all of apt's package lists: `rm -rf /var/lib/apt/lists/*` or `apt-get dist-clean`. */
const removesAptLists = (c: Command): boolean =>
  isAptDistClean(c) || (basename(c.name) === 'rm' && pathTexts(c).some((p) => /^\/var\/lib\/apt(\/lists)?\/?\*?$/.test(p)));

/** Scripts that fetch packages with apt, and whether they refresh the lists themselves before the first fetch. */
export function aptFetchNeedsEarlierLists(script: ShellScript): boolean {
  const commands = script.commands();
  const fetch = commands.findIndex(isAptFetch);
  return fetch >= 0 && !commands.slice(0, fetch).some(isAptUpdate);
}

/** The stages built (directly or through others) from `stage`, which inherit its files. */
export function descendantStages(doc: Document, stage: Stage): Stage[] {
  const out: Stage[] = [];
  for (const s of doc.stages()) {
    for (let p = doc.parentStage(s), depth = 0; p && depth < 100; p = doc.parentStage(p), depth++) {
      if (p === stage) {
        out.push(s);
        break;
      }
    }
  }
  return out;
}

/** The instructions that run after `ins` on top of its files: the rest of its stage, then stages built from it. */
export function instructionsAfter(doc: Document, ins: Instruction): Instruction[] {
  const stage = doc.stageOf(ins);
  if (!stage) return [];
  const rest = stage.instructions.slice(stage.instructions.indexOf(ins) + 1);
  return [...rest, ...descendantStages(doc, stage).flatMap((s) => s.instructions)];
}

/**
 * Every line of instructions that runs on top of `ins`'s files, in order: the rest of its stage, then for each
 * stage built from it (directly or through others) the stages on the way down to it. A sibling stage does not
 * see what another one did.
 */
function instructionLinesAfter(doc: Document, ins: Instruction): Instruction[][] {
  const stage = doc.stageOf(ins);
  if (!stage) return [];
  const rest = stage.instructions.slice(stage.instructions.indexOf(ins) + 1);
  const lines = [rest];
  for (const descendant of descendantStages(doc, stage)) {
    const way: Instruction[] = [];
    for (let s: Stage | null = descendant, depth = 0; s && s !== stage && depth < 100; s = doc.parentStage(s), depth++) way.unshift(...s.instructions);
    lines.push([...rest, ...way]);
  }
  return lines;
}

/** The script's commands that run whenever the script succeeds: top-level statements and steps of their `&&` chains. */
function alwaysRunCommands(script: ShellScript): Command[] {
  const nodes = script.root.namedChildren.filter((n): n is ShellNode => !!n && n.type !== 'comment').flatMap(andSteps);
  return script.commands().filter((c) => nodes.some((n) => n.startIndex === c.start && n.endIndex === c.end));
}

/**
 * The script refreshes or removes the package lists whenever it succeeds (an `apt-get update` or `rm` of the lists
 * as a top-level step), so instructions after it no longer see the lists an earlier RUN left.
 */
function replacesAptLists(script: ShellScript): boolean {
  return alwaysRunCommands(script).some((c) => isAptUpdate(c) || removesAptLists(c));
}

/**
 * A later RUN (in the stage or a stage built from it) installs with apt without running `apt-get update` first,
 * so it needs the package lists that `run` leaves behind. Also true for a later RUN that mentions apt but
 * cannot be read. A RUN that refreshes or removes the lists itself ends the search along its line of stages.
 */
export function laterRunNeedsAptLists(doc: Document, run: Instruction): Instruction | null {
  for (const line of instructionLinesAfter(doc, run)) {
    for (const ins of line) {
      if (ins.getKeyword() !== 'RUN') continue;
      const script = doc.runScript(ins);
      if (!script || script.hasError) {
        if (/\bapt(-get)?\b/.test(doc.argumentsText(ins))) return ins;
        continue;
      }
      if (aptFetchNeedsEarlierLists(script)) return ins;
      if (replacesAptLists(script)) break;
    }
  }
  return null;
}

// --- apk ---------------------------------------------------------------------------------------------------

/** apk, and tonistiigi/xx's `xx-apk`, which passes apk's arguments through for the target platform. */
const APK_NAMES = new Set(['apk', 'xx-apk']);
const APK_VALUE_OPTIONS = new Set(['-X', '--repository', '-p', '--root', '--arch', '--keys-dir', '--repositories-file', '--cache-dir', '-t', '--virtual', '--cache-max-age', '--timeout']);

/** The subcommand of an `apk` command (`add`, `update`, ...) and its word, or null. */
export function apkSubcommand(cmd: Command): { name: string; word: Word } | null {
  if (!APK_NAMES.has(basename(cmd.name))) return null;
  const word = subcommandWord(cmd.args, APK_VALUE_OPTIONS);
  return word ? { name: word.value!, word } : null;
}

export const isApkAdd = (cmd: Command): boolean => apkSubcommand(cmd)?.name === 'add';
export const isApkUpdate = (cmd: Command): boolean => apkSubcommand(cmd)?.name === 'update';
export const apkUsesNoCache = (cmd: Command): boolean => hasOption(argValues(cmd), '--no-cache');

/** `rm` of apk's cache folder (`rm -rf /var/cache/apk/*`), which `--no-cache` makes pointless. */
export function removesApkCache(cmd: Command): boolean {
  if (basename(cmd.name) !== 'rm') return false;
  const paths = pathTexts(cmd).filter((p) => !p.startsWith('-'));
  return paths.length > 0 && paths.every((p) => /^\/var\/cache\/apk\/?\*?$/.test(p));
}

// --- yum, dnf, microdnf, zypper --------------------------------------------------------------------------

const RPM_VALUE_OPTIONS = new Set(['-c', '--config', '-d', '--debuglevel', '-e', '--errorlevel', '--setopt', '--installroot', '--releasever', '--enablerepo', '--disablerepo', '-x', '--exclude', '--repo', '--repoid', '-R', '--root', '--type', '-t']);

/** The clean-up each RPM-family manager needs to drop its metadata and package caches. */
export const RPM_CLEAN_UP: Record<string, string> = {
  yum: 'yum clean all',
  dnf: 'dnf clean all',
  microdnf: 'microdnf clean all',
  zypper: 'zypper clean --all',
};

const RPM_INSTALLING: Record<string, ReadonlySet<string>> = {
  yum: new Set(['install', 'groupinstall', 'localinstall', 'update', 'upgrade', 'reinstall', 'builddep']),
  dnf: new Set(['install', 'groupinstall', 'localinstall', 'update', 'upgrade', 'reinstall', 'builddep', 'distro-sync']),
  microdnf: new Set(['install', 'update', 'upgrade', 'reinstall']),
  zypper: new Set(['install', 'in', 'update', 'up', 'dist-upgrade', 'dup', 'patch', 'source-install', 'si']),
};

/** The manager (`yum`, `dnf`, `microdnf`, `zypper`), subcommand and its word of an RPM-family command, or null. */
export function rpmSubcommand(cmd: Command): { tool: string; name: string; word: Word } | null {
  const tool = basename(cmd.name);
  if (!(tool in RPM_INSTALLING)) return null;
  const word = subcommandWord(cmd.args, RPM_VALUE_OPTIONS);
  return word ? { tool, name: word.value!, word } : null;
}

/** The manager a command installs packages with, among yum, dnf, microdnf and zypper; or null. */
export function rpmInstallTool(cmd: Command): string | null {
  const sub = rpmSubcommand(cmd);
  return sub && RPM_INSTALLING[sub.tool]!.has(sub.name) ? sub.tool : null;
}

/** The dnf/microdnf command sets install_weak_deps itself: `--setopt=install_weak_deps=...` or `--setopt install_weak_deps=...`. */
export function rpmDecidesWeakDeps(cmd: Command): boolean {
  const args = argValues(cmd);
  const setopts = args.flatMap((a, i) => (a === null ? [] : a.startsWith('--setopt=') ? [a.slice('--setopt='.length)] : args[i - 1] === '--setopt' ? [a] : []));
  return setopts.some((option) => option.startsWith('install_weak_deps='));
}

/** The command cleans an RPM-family cache: `yum clean all`, `zypper cc`, `rm -rf /var/cache/dnf`. */
export function cleansRpmCache(cmd: Command): boolean {
  const sub = rpmSubcommand(cmd);
  if (sub && ['clean', 'cc'].includes(sub.name)) return true;
  return basename(cmd.name) === 'rm' && pathTexts(cmd).some((p) => /^\/var\/cache\/(yum|dnf|zypp|libdnf5)\b/.test(p));
}

// --- npm, yarn, gem -------------------------------------------------------------------------------------

const NPM_VALUE_OPTIONS = new Set(['--loglevel', '--registry', '--cache', '--omit', '--include', '--only', '--userconfig', '--prefix', '-C', '--workspace', '-w']);
const NPM_INSTALLING = new Set(['install', 'i', 'ci', 'clean-install', 'add', 'isntall', 'update', 'up', 'install-clean', 'install-ci-test', 'install-test', 'it']);
const YARN_INSTALLING = new Set(['install', 'add', 'global']);

/** The subcommand word of an `npm` command (`ci`, `install`, ...), or null. */
export function npmSubcommand(cmd: Command): Word | null {
  return basename(cmd.name) === 'npm' ? subcommandWord(cmd.args, NPM_VALUE_OPTIONS) : null;
}

/** npm installs packages (`npm ci`, `npm install`, `npm i -g x`) and so fills its download cache. */
export const isNpmInstall = (cmd: Command): boolean => NPM_INSTALLING.has(npmSubcommand(cmd)?.value ?? '');

/** yarn installs packages: `yarn`, `yarn install`, `yarn add x`, `yarn global add x`. */
export function isYarnInstall(cmd: Command): boolean {
  if (basename(cmd.name) !== 'yarn') return false;
  const sub = subcommandWord(cmd.args, NPM_VALUE_OPTIONS);
  if (!sub) return cmd.args.every((a) => a.value !== null);
  return YARN_INSTALLING.has(sub.value!);
}

/** `npm install` with no package names (a project install, the only kind `npm ci` replaces): its `install` word. */
export function npmProjectInstallWord(cmd: Command): Word | null {
  const sub = npmSubcommand(cmd);
  if (!sub || (sub.value !== 'install' && sub.value !== 'i')) return null;
  const after = cmd.args.slice(cmd.args.indexOf(sub) + 1);
  for (let i = 0; i < after.length; i++) {
    const v = after[i]!.value;
    if (v === null) return null;
    if (NPM_VALUE_OPTIONS.has(v)) i++;
    else if (!v.startsWith('-')) return null;
  }
  const global = after.some((w) => w.value === '-g' || w.value === '--global' || w.value === '--location=global');
  const elsewhere = after.some((w) => /^--(prefix|workspace)/.test(w.value!) || w.value === '-C' || w.value === '-w');
  return global || elsewhere ? null : sub;
}

/** The command cleans npm's or yarn's cache: `npm cache clean`, `yarn cache clean`, `rm -rf ~/.npm`. */
export function cleansNodeCache(cmd: Command): boolean {
  const tool = basename(cmd.name);
  const args = argValues(cmd);
  if ((tool === 'npm' || tool === 'yarn') && args[0] === 'cache' && (args[1] === 'clean' || args[1] === 'rm')) return true;
  return tool === 'rm' && pathTexts(cmd).some((p) => /(^|\/)\.npm\b|_cacache|\.cache\/yarn|\.yarn-cache|yarn-cache/.test(p));
}

/** The `install` word of a `gem install`, or null. */
export function gemInstallWord(cmd: Command): Word | null {
  if (basename(cmd.name) !== 'gem') return null;
  const sub = subcommandWord(cmd.args, new Set());
  return sub?.value === 'install' ? sub : null;
}

/** gem options that already decide about documentation. */
export const gemDecidesDocs = (cmd: Command): boolean =>
  hasOption(argValues(cmd), '--no-document', '-N', '--document', '--no-rdoc', '--no-ri', '--rdoc', '--ri');

// --- caches and cache mounts ------------------------------------------------------------------------------

/** Download caches by tool: where the cache mount profile mounts them, and how to recognise a mount of them. */
export interface ToolCache {
  tool: string;
  /** Mount targets for `RUN --mount=type=cache,target=...` (root's home, as in Docker's documentation). */
  targets: string[];
  /** Extra mount options (apt holds locks, so its caches are `sharing=locked`). */
  options?: string;
  /** The subfolder of the cache folder that holds the cached data (npm's `_cacache`): a mount of it serves too. */
  dataIn?: string;
  /** Recognises an existing cache mount target that already holds this tool's cache. */
  heldBy: RegExp;
  /**
   * The cache holds the dependencies later steps use (Go modules, the Maven repository, Gradle's caches), not
   * only downloads: every RUN of the stage that uses the tool must get the mount, or none.
   */
  sharedWithLaterRuns?: boolean;
}

export const TOOL_CACHES: Record<string, ToolCache> = {
  apt: { tool: 'apt', targets: ['/var/cache/apt', '/var/lib/apt'], options: 'sharing=locked', heldBy: /^\/var\/(cache|lib)\/apt(\/|$)/ },
  apk: { tool: 'apk', targets: ['/var/cache/apk'], heldBy: /^(\/var\/cache\/apk|\/etc\/apk\/cache)\/?$/ },
  pip: { tool: 'pip', targets: ['/root/.cache/pip'], heldBy: /(^|\/)\.cache(\/pip)?\/?$/ },
  npm: { tool: 'npm', targets: ['/root/.npm'], dataIn: '_cacache', heldBy: /(^|\/)\.npm(\/_cacache)?\/?$|npm-cache/ },
  yarn: { tool: 'yarn', targets: ['/usr/local/share/.cache/yarn'], heldBy: /yarn/ },
  pnpm: { tool: 'pnpm', targets: ['/root/.local/share/pnpm/store'], heldBy: /pnpm/ },
  go: { tool: 'go', targets: ['/go/pkg/mod', '/root/.cache/go-build'], heldBy: /(^|\/)pkg\/mod\/?$|go-build/, sharedWithLaterRuns: true },
  maven: { tool: 'maven', targets: ['/root/.m2/repository'], heldBy: /(^|\/)\.m2(\/repository)?\/?$/, sharedWithLaterRuns: true },
  gradle: { tool: 'gradle', targets: ['/root/.gradle/caches'], heldBy: /(^|\/)\.gradle(\/caches)?\/?$/, sharedWithLaterRuns: true },
  bundler: { tool: 'bundler', targets: ['/root/.gem'], heldBy: /(^|\/)\.gem\/?$|bundle\/cache/ },
  composer: { tool: 'composer', targets: ['/tmp/cache'], heldBy: /composer|^\/tmp\/cache\/?$/ },
};

/** The USER a RUN runs as (the last USER of its stage and the stages it builds on), or null: root, the default. */
export function userAt(doc: Document, run: Instruction): string | null {
  let user: string | null = null;
  const chain: Stage[] = [];
  for (let s = doc.stageOf(run) ?? null, d = 0; s && d < 100; s = doc.parentStage(s), d++) chain.unshift(s);
  for (const i of chain.flatMap((s) => s.instructions)) {
    if (i === run) break;
    if (i.getKeyword() === 'USER') user = doc.argumentsText(i).trim();
  }
  return user && !/^(root|0)(:.*)?$/.test(user) ? user : null;
}

/** A command's environment as the transforms read it: its own assignments, then the ENV and ARG values of its RUN. */
interface CommandEnvironment {
  args: readonly (string | null)[];
  assignments: ReadonlyMap<string, string | null>;
}

/**
 * A variable of a command's environment: its value, null when it cannot be known (dynamic, or exported by the
 * script), undefined when it is not set.
 */
function variableOf(doc: Document, run: Instruction, cmd: CommandEnvironment, exported: ReadonlySet<string>, name: string): string | null | undefined {
  if (cmd.assignments.has(name)) return cmd.assignments.get(name)!;
  if (exported.has(name)) return null;
  return doc.variablesAt(run).get(name);
}

/** `path` made absolute the way pip reads a path option (`~` is the home folder), or null. */
function absoluteFolder(path: string | null | undefined, home: string | null): string | null {
  if (!path) return null;
  const expanded = path === '~' || path.startsWith('~/') ? (home === null ? null : home + path.slice(1)) : path;
  return expanded?.startsWith('/') ? expanded.replace(/\/+$/, '') || '/' : null;
}

/**
 * The folder pip keeps its cache in for a pip command, as pip works it out: `--cache-dir`, else PIP_CACHE_DIR,
 * else platformdirs' user cache folder, $XDG_CACHE_HOME/pip or ~/.cache/pip. The home is $HOME, or /root for
 * root. Null when it cannot be known (a dynamic value, a variable the script exports, another user's home).
 */
export function pipCacheFolder(doc: Document, run: Instruction, cmd: CommandEnvironment, exported: ReadonlySet<string> = new Set()): string | null {
  const home = variableOf(doc, run, cmd, exported, 'HOME') ?? (userAt(doc, run) || exported.has('HOME') ? null : '/root');
  const option = pipCacheDirOption(cmd.args);
  if (option !== undefined) return absoluteFolder(option, home);
  const env = variableOf(doc, run, cmd, exported, 'PIP_CACHE_DIR');
  if (env !== undefined) return absoluteFolder(env, home);
  const xdg = variableOf(doc, run, cmd, exported, 'XDG_CACHE_HOME');
  if (xdg !== undefined) return xdg === null ? null : absoluteFolder(`${xdg}/pip`, home);
  return home === null ? null : `${home.replace(/\/+$/, '')}/.cache/pip`;
}

/**
 * The folder npm keeps its cache in for an npm command: `--cache`, else npm_config_cache (npm reads its
 * environment without regard to case), else ~/.npm. Null when it cannot be known.
 */
function npmCacheFolder(doc: Document, run: Instruction, cmd: CommandEnvironment, exported: ReadonlySet<string>): string | null {
  const home = variableOf(doc, run, cmd, exported, 'HOME') ?? (userAt(doc, run) || exported.has('HOME') ? null : '/root');
  const at = cmd.args.findIndex((a) => a === '--cache' || a?.startsWith('--cache='));
  if (at >= 0) return absoluteFolder(cmd.args[at]!.includes('=') ? cmd.args[at]!.slice(8) : cmd.args[at + 1], home);
  for (const name of ['npm_config_cache', 'NPM_CONFIG_CACHE']) {
    const env = variableOf(doc, run, cmd, exported, name);
    if (env !== undefined) return absoluteFolder(env, home);
  }
  return home === null ? null : `${home.replace(/\/+$/, '')}/.npm`;
}

/**
 * The folders a tool keeps its cache in for the RUN's commands that use it: pip's and npm's as each command would
 * find them (options, environment, home), the others' where TOOL_CACHES says. Null when one cannot be known.
 */
export function toolCacheFolders(doc: Document, run: Instruction, tool: string): string[] | null {
  const locate = tool === 'pip' ? pipCacheFolder : tool === 'npm' ? npmCacheFolder : null;
  if (!locate) return TOOL_CACHES[tool]?.targets ?? null;
  const script = doc.runScript(run);
  const exec = doc.execForm(run);
  const exported = script?.exportedVariables() ?? new Set<string>();
  const commands: CommandEnvironment[] = exec ? [{ args: exec.slice(1), assignments: new Map() }] : (script?.commands() ?? []).filter((c) => cachingTool(c) === tool).map((c) => ({ args: argValues(c), assignments: c.assignments }));
  const folders = commands.map((c) => locate(doc, run, c, exported));
  return folders.every((f): f is string => f !== null) ? [...new Set(folders)] : null;
}

/** A cache mount of the RUN holds `folder`: its target is the folder or a folder above it. */
export function cacheMountCovers(doc: Document, run: Instruction, folder: string): boolean {
  return doc.cacheMountTargets(run).some((t) => {
    const target = t.replace(/\/+$/, '') || '/';
    return folder === target || folder.startsWith(target === '/' ? '/' : `${target}/`);
  });
}

/**
 * A cache mount of `run` already holds the tool's cache: it covers every folder the RUN's commands keep it in
 * (toolCacheFolders); where those cannot be known, a mount whose target looks like the tool's cache folder.
 */
export function cacheMountHolds(doc: Document, run: Instruction, tool: string): boolean {
  const cache = TOOL_CACHES[tool];
  if (!cache) return false;
  const folders = tool === 'pip' || tool === 'npm' ? toolCacheFolders(doc, run, tool) : null;
  if (folders?.length) return folders.every((f) => cacheMountCovers(doc, run, cache.dataIn ? `${f}/${cache.dataIn}` : f));
  return doc.cacheMountTargets(run).some((t) => cache.heldBy.test(t));
}

/** The tool whose download cache a command fills (`npm ci` -> npm), for the cache mount profile; or null. */
export function cachingTool(cmd: Command): string | null {
  const name = basename(cmd.name);
  const args = argValues(cmd);
  if (aptSubcommand(cmd) && (isAptFetch(cmd) || isAptUpdate(cmd))) return 'apt';
  if (isNpmInstall(cmd)) return 'npm';
  if (isYarnInstall(cmd)) return 'yarn';
  if (name === 'pnpm' && ['install', 'i', 'add', 'fetch'].includes(args.find((a) => a !== null && !a.startsWith('-')) ?? '')) return 'pnpm';
  if (/^pip(\d+(\.\d+)*)?$/.test(name) && args.includes('install')) return 'pip';
  if (/^python(\d+(\.\d+)*)?$/.test(name) && args.includes('pip') && args.includes('install')) return 'pip';
  if (name === 'go' && ['build', 'install', 'test', 'run', 'get', 'mod', 'generate', 'vet'].includes(args[0] ?? '')) return 'go';
  if (name === 'mvn' || name === 'mvnw') return 'maven';
  if (name === 'gradle' || name === 'gradlew') return 'gradle';
  if (name === 'bundle' && (args.length === 0 || args[0] === 'install' || args[0]?.startsWith('-'))) return 'bundler';
  if (/^composer(\.phar)?$/.test(name) && ['install', 'update', 'require'].includes(args.find((a) => a !== null && !a.startsWith('-')) ?? '')) return 'composer';
  return null;
}

/** apk subcommands that never read the package index from the cache folder. */
const APK_INDEX_FREE = new Set(['del', 'version', '--version', 'info']);

/** An apk command that would need the index an earlier `apk update` left behind. */
function apkNeedsCachedIndex(cmd: Command): boolean {
  const sub = apkSubcommand(cmd);
  if (!sub) return APK_NAMES.has(basename(cmd.name));
  if (sub.name === 'update' || APK_INDEX_FREE.has(sub.name)) return false;
  return !hasOption(argValues(cmd), '--no-cache', '-U', '--update-cache');
}

/**
 * A later RUN (of the stage or a stage built on it) runs apk in a way that needs the index `apk update` keeps in
 * /var/cache/apk before updating it; an `apk add` there counts as fixed, since it gets `--no-cache` too.
 */
export function laterRunNeedsApkIndex(doc: Document, run: Instruction): Instruction | null {
  for (const ins of instructionsAfter(doc, run)) {
    if (ins.getKeyword() !== 'RUN') continue;
    const script = doc.runScript(ins);
    if (!script || script.hasError) {
      if (/\bapk\b/.test(doc.argumentsText(ins))) return ins;
      continue;
    }
    // A cache mount on apk's folder hides the layer's index: that RUN reads its own.
    if (cacheMountHolds(doc, ins, 'apk')) continue;
    for (const cmd of script.commands()) {
      if (isApkUpdate(cmd)) break;
      if (apkNeedsCachedIndex(cmd) && !isApkAdd(cmd)) return ins;
    }
  }
  return null;
}
