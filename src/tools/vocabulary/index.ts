// The tool vocabulary: every package tool dockmod knows, and the questions asked of a command across tools.
import type { Command } from '../../engine/shell.js';
import { basename, subcommandFor, type Subcommand, type Tool, type ToolCache, type ToolId } from './tool.js';
import { apt } from './apt.js';
import { apk } from './apk.js';
import { RPM_TOOLS } from './rpm.js';
import { pip } from './pip.js';
import { npm } from './npm.js';
import { yarn } from './yarn.js';
import { pnpm } from './pnpm.js';
import { bun } from './bun.js';
import { gem } from './gem.js';
import { bundler } from './bundler.js';
import { composer } from './composer.js';
import { go } from './go.js';
import { maven } from './maven.js';
import { gradle } from './gradle.js';
import { dotnet } from './dotnet.js';
import { mix } from './mix.js';
import { cargo } from './cargo.js';

export const TOOLS: readonly Tool[] = [apt, apk, ...RPM_TOOLS, pip, npm, yarn, pnpm, bun, gem, bundler, composer, go, maven, gradle, dotnet, mix, cargo];

/** The tool a command runs (by its base name), or null. */
export function toolOf(cmd: Command | string): Tool | null {
  const name = basename(typeof cmd === 'string' ? cmd : cmd.name);
  return TOOLS.find((t) => t.commands.test(name)) ?? null;
}

/** The subcommand of an OS package manager's command (apt, apk, yum, dnf, microdnf, zypper), or null. */
export function osPackageSubcommand(cmd: Command): Subcommand | null {
  const tool = toolOf(cmd);
  return tool?.kind === 'os' ? subcommandFor(tool, cmd) : null;
}

/**
 * The OS package manager, by the name the command is written with (`apt-get`, `xx-apk`, `dnf`), when the
 * command installs packages with it; null otherwise. `argv` starts with the command name; null words are dynamic.
 */
export function osPackageInstall(argv: readonly (string | null)[]): string | null {
  const tool = toolOf(argv[0] ?? '');
  if (tool?.kind !== 'os') return null;
  const args = argv.slice(1);
  const index = tool.subcommandIndex(args, basename(argv[0]));
  return index >= 0 && tool.installs.has(args[index]!) ? basename(argv[0]) : null;
}

/** Each tool's download cache, by tool, for the cache mount profile. */
export const TOOL_CACHES: Partial<Record<ToolId, ToolCache>> = Object.fromEntries(TOOLS.filter((t) => t.cache).map((t) => [t.id, t.cache!]));

export type { Subcommand, Tool, ToolCache, ToolId } from './tool.js';
