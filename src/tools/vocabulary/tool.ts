// The common shape of a package tool's vocabulary: each tool (src/tools/vocabulary/<tool>.ts) declares, once, the
// commands that run it, its options that take a value, where its subcommand stands, which subcommands install,
// its cache folders, its clean-up command and what its installs read and write.
import { basename, type Command, type Word } from '../../engine/shell.js';

/** Tools and ecosystems name commands by it; it is the engine's, which reads SHELL instructions by it too. */
export { basename };

export type ToolId =
  | 'apt' | 'apk' | 'yum' | 'dnf' | 'microdnf' | 'zypper'
  | 'pip' | 'npm' | 'yarn' | 'pnpm' | 'bun' | 'gem' | 'bundler' | 'composer' | 'go' | 'maven' | 'gradle' | 'dotnet' | 'mix' | 'cargo';

/** A command's subcommand: the tool, the subcommand's name, and its word (fixes go right after it). */
export interface Subcommand {
  tool: ToolId;
  name: string;
  word: Word;
}

/** Where a tool keeps its download cache, as the cache mount profile (buildkit-cache-mounts) mounts it. */
export interface ToolCache {
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

/**
 * What an install of the tool reads and writes, in a first form (DESIGN.md, "Effects"): image folders it writes
 * (`.` is its working directory, the project) and the files it reads from its working directory (its manifests).
 */
export interface ToolEffects {
  writes: readonly string[];
  reads: readonly string[];
}

export interface Tool {
  id: ToolId;
  /** OS packages (system paths) or a language's dependencies (the project folder). */
  kind: 'os' | 'language';
  /** Base names of the commands that run the tool (`python3` runs pip only as `python3 -m pip`). */
  commands: RegExp;
  /** Options that take the next word as their value, so that word is not the subcommand. */
  valueOptions: ReadonlySet<string>;
  /**
   * Index in `args` (the words after the command, null for dynamic ones) of the subcommand, or -1. `name` is the
   * command's base name, for tools whose commands differ (`python3 -m pip install`).
   */
  subcommandIndex(args: readonly (string | null)[], name: string): number;
  /** Subcommands that download and install packages (and so fill the cache). */
  installs: ReadonlySet<string>;
  /** Subcommands that only refresh the package lists (`apt-get update`): they write the cache's folders alone. */
  refreshes?: ReadonlySet<string>;
  cache?: ToolCache;
  /** The command that drops the tool's caches at the end of the RUN that installs, if it has one. */
  cleanup?: string;
  effects: ToolEffects;
}

/** The first non-option word of `args`, skipping the values of `valueOptions`; -1 when a dynamic word comes first. */
export function firstWordIndex(args: readonly (string | null)[], valueOptions: ReadonlySet<string>): number {
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    if (value === null || value === undefined) return -1;
    if (valueOptions.has(value)) i++;
    else if (!value.startsWith('-')) return i;
  }
  return -1;
}

/** A tool whose subcommand is its first word that is no option (or an option's value). */
export function defineTool(spec: Omit<Tool, 'subcommandIndex'> & Partial<Pick<Tool, 'subcommandIndex'>>): Tool {
  return { subcommandIndex: (args) => firstWordIndex(args, spec.valueOptions), ...spec };
}

/** Folders an OS package may write: an application copy into them could collide with a package's files. */
export const SYSTEM_FOLDERS: readonly string[] = ['/etc', '/usr', '/var', '/lib', '/lib32', '/lib64', '/libx32', '/bin', '/sbin', '/opt', '/boot', '/run', '/proc', '/sys', '/dev'];

/** What installing OS packages reads and writes: system folders, nothing of the project. */
export const OS_PACKAGE_EFFECTS: ToolEffects = { writes: SYSTEM_FOLDERS, reads: [] };

/** The subcommand of `cmd` for `tool`, or null (another command, or no static subcommand). */
export function subcommandFor(tool: Tool, cmd: Command): Subcommand | null {
  if (!tool.commands.test(basename(cmd.name))) return null;
  const index = tool.subcommandIndex(cmd.args.map((a) => a.value), basename(cmd.name));
  return index < 0 ? null : { tool: tool.id, name: cmd.args[index]!.value!, word: cmd.args[index]! };
}
