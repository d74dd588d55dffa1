// What the size transforms ask across tools and instructions: which later RUN needs what an earlier one left
// (apt's lists, apk's index), cache mounts and where each tool's cache is. Each tool's own vocabulary is in
// src/tools/vocabulary/; every predicate takes a parsed command (src/engine/shell.ts), never raw text.
import type { Document, Instruction, Stage } from '../engine/document.js';
import { andSteps, type Command, type ShellNode, type ShellScript } from '../engine/shell.js';
import { argValues, pathTexts } from './commands.js';
import { TOOL_CACHES, type ToolId } from './vocabulary/index.js';
import { basename, subcommandFor, type Tool } from './vocabulary/tool.js';
import { aptFetchNeedsEarlierLists, isAptFetch, isAptUpdate, removesAptLists } from './vocabulary/apt.js';
import { apkKeepsIndex, apkNeedsCachedIndex, isApkAdd, isApkUpdate, removesApkCache } from './vocabulary/apk.js';
import { isNpmInstall } from './vocabulary/npm.js';
import { isYarnInstall } from './vocabulary/yarn.js';
import { pipCacheDirOption, pipRunsInstall } from './vocabulary/pip.js';
import { pnpm } from './vocabulary/pnpm.js';
import { go } from './vocabulary/go.js';
import { maven } from './vocabulary/maven.js';
import { gradle } from './vocabulary/gradle.js';
import { bundler } from './vocabulary/bundler.js';
import { composer } from './vocabulary/composer.js';

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

/** The instructions that ran before `ins`, in order: the stages its stage is built on, then its stage up to it. */
export function instructionsBefore(doc: Document, ins: Instruction): Instruction[] {
  const stage = doc.stageOf(ins);
  if (!stage) return [];
  const before = stage.instructions.slice(0, stage.instructions.indexOf(ins));
  for (let s = doc.parentStage(stage), depth = 0; s && depth < 100; s = doc.parentStage(s), depth++) before.unshift(...s.instructions);
  return before;
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

/**
 * A RUN in a stage built from `run`'s that runs an install `installs` matches: it reads the download cache `run`
 * leaves (a fetch put in a base stage warms it for the installs of the stages built from it), so that cache is
 * not waste. Within one stage a second install is the author's choice, and the cache is cleaned as usual.
 */
export function childStageReadsCache(doc: Document, run: Instruction, installs: (cmd: Command) => boolean): Instruction | null {
  const stage = doc.stageOf(run);
  for (const line of instructionLinesAfter(doc, run).slice(1)) {
    for (const ins of line) {
      if (ins.getKeyword() !== 'RUN' || doc.stageOf(ins) === stage) continue;
      const script = doc.runScript(ins);
      if (script && !script.hasError && script.commands().some(installs)) return ins;
    }
  }
  return null;
}

/** The command cleans npm's or yarn's cache: `npm cache clean`, `yarn cache clean`, `rm -rf ~/.npm`. */
export function cleansNodeCache(cmd: Command): boolean {
  const tool = basename(cmd.name);
  const args = argValues(cmd);
  if ((tool === 'npm' || tool === 'yarn') && args[0] === 'cache' && (args[1] === 'clean' || args[1] === 'rm')) return true;
  return tool === 'rm' && pathTexts(cmd).some((p) => /(^|\/)\.npm\b|_cacache|\.cache\/yarn|\.yarn-cache|yarn-cache/.test(p));
}

// --- caches and cache mounts ------------------------------------------------------------------------------

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
 * find them (options, environment, home), the others' where the tool's vocabulary says. Null when one cannot be known.
 */
export function toolCacheFolders(doc: Document, run: Instruction, tool: ToolId): string[] | null {
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
export function cacheMountHolds(doc: Document, run: Instruction, tool: ToolId): boolean {
  const cache = TOOL_CACHES[tool];
  if (!cache) return false;
  const folders = tool === 'pip' || tool === 'npm' ? toolCacheFolders(doc, run, tool) : null;
  if (folders?.length) return folders.every((f) => cacheMountCovers(doc, run, cache.dataIn ? `${f}/${cache.dataIn}` : f));
  return doc.cacheMountTargets(run).some((t) => cache.heldBy.test(t));
}

/** The command installs with `tool`: its subcommand is one of those that install. */
const installsWith = (tool: Tool, cmd: Command): boolean => tool.installs.has(subcommandFor(tool, cmd)?.name ?? '');

/** The tool whose download cache a command fills (`npm ci` -> npm), for the cache mount profile; or null. */
export function cachingTool(cmd: Command): ToolId | null {
  const name = basename(cmd.name);
  const first = cmd.args[0]?.value;
  if (isAptFetch(cmd) || isAptUpdate(cmd)) return 'apt';
  if (isNpmInstall(cmd)) return 'npm';
  if (isYarnInstall(cmd)) return 'yarn';
  if (installsWith(pnpm, cmd)) return 'pnpm';
  if (pipRunsInstall(cmd)) return 'pip';
  if (installsWith(go, cmd)) return 'go';
  // Every Maven or Gradle build resolves dependencies; `bundle` alone or with options installs.
  if (maven.commands.test(name)) return 'maven';
  if (gradle.commands.test(name)) return 'gradle';
  if (bundler.commands.test(name) && (!cmd.args.length || first?.startsWith('-') || installsWith(bundler, cmd))) return 'bundler';
  if (installsWith(composer, cmd)) return 'composer';
  return null;
}

/**
 * An earlier RUN (of the stage or a stage it is built on) that leaves apk's index in /var/cache/apk in its layer
 * (an `apk update`, an `apk add` without `--no-cache`, not removed after it in the same RUN): a later
 * `rm -rf /var/cache/apk/*` still takes those files out of the image.
 */
export function earlierRunLeavesApkCache(doc: Document, run: Instruction): Instruction | null {
  for (const ins of instructionsBefore(doc, run)) {
    if (ins.getKeyword() !== 'RUN' || cacheMountHolds(doc, ins, 'apk')) continue;
    const script = doc.runScript(ins);
    if (!script || script.hasError) {
      if (/\bapk\b/.test(doc.argumentsText(ins))) return ins;
      continue;
    }
    let left = false;
    for (const cmd of script.commands()) {
      if (removesApkCache(cmd)) left = false;
      else if (apkKeepsIndex(cmd)) left = true;
    }
    if (left) return ins;
  }
  return null;
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
