// Which shell steps provably leave the copied build-context files alone (neither read nor write them), so that
// a transform may run them before the sources are copied. Anything not known is assumed to touch them.
import path from 'node:path';
import type { Command, ShellNode, ShellScript } from '../engine/shell.js';
import { matchInstall } from './installs.js';
import { osPackageSubcommand } from './vocabulary/index.js';
import { basename } from './vocabulary/tool.js';

/** Commands that work on system paths (or on nothing), never on the build context; OS package managers aside. */
const SYSTEM_COMMANDS = new Set(['dpkg-reconfigure', 'update-ca-certificates', 'ldconfig', 'locale-gen', 'useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'corepack', 'true', 'set', 'echo']);

/** Commands that only change files under the paths they name. */
const PATH_COMMANDS = new Set(['rm', 'mkdir']);

/** `target` is `dir` or below it (both absolute, or both relative). */
export function isWithin(target: string, dir: string): boolean {
  const rel = path.posix.relative(dir, target);
  // `..name` is below `dir`; only `..` itself or a path through it leaves.
  return rel !== '..' && !rel.startsWith('../') && !path.posix.isAbsolute(rel);
}

/**
 * True when `cmd` cannot read or write files under `dest` (where the sources are copied).
 * Global installs (`npm i -g`), configuration, caches and OS packages qualify; project installs do not.
 */
export function commandLeavesSourcesAlone(cmd: Command, dest: string): boolean {
  const name = basename(cmd.name);
  const args = cmd.args.map((a) => a.value);
  if (args.some((a) => a === null)) return false;
  // An OS package manager writes system paths only (its effects in src/tools/vocabulary/).
  if (osPackageSubcommand(cmd)) return true;
  if (SYSTEM_COMMANDS.has(name)) return true;
  if (PATH_COMMANDS.has(name)) {
    const paths = args.filter((a) => !a!.startsWith('-')) as string[];
    return paths.length > 0 && paths.every((p) => (p.startsWith('/') || p.startsWith('~')) && !isWithin(p, dest) && !isWithin(dest, p.replace(/\/\*$/, '')));
  }
  const sub = args.find((a) => !a!.startsWith('-'));
  const global = args.includes('-g') || args.includes('--global');
  switch (name) {
    case 'npm':
      return (global && (sub === 'install' || sub === 'i')) || sub === 'config' || sub === 'cache' || sub === 'set';
    case 'yarn':
      return sub === 'global' || sub === 'config' || sub === 'cache' || sub === 'set';
    case 'pnpm':
      return (global && (sub === 'add' || sub === 'install' || sub === 'i')) || sub === 'config' || sub === 'store' || sub === 'setup';
  }
  // pip installing named packages from an index, and pip's own cache, do not read the sources.
  if (/^(pip\d*(\.\d+)*|python\d*(\.\d+)*)$/.test(name)) {
    if (args.includes('cache')) return true;
    return matchInstall([cmd.name, ...args]) === null && args.includes('install');
  }
  return false;
}

/**
 * True when a top-level step of a script (a statement node) leaves the sources alone: a plain command that
 * qualifies, `export X=...`, or `cd` to a static folder. Redirections and pipelines never qualify.
 */
export function stepLeavesSourcesAlone(script: ShellScript, step: ShellNode, dest: string): boolean {
  if (step.type === 'declaration_command') return step.text.startsWith('export ');
  if (step.type !== 'command') return false;
  const cmd = script.commands().find((c) => c.node.startIndex === step.startIndex && c.node.endIndex === step.endIndex);
  if (!cmd) return false;
  if (cmd.name === 'cd') return cmd.args.length === 1 && cmd.args[0]!.value !== null;
  return commandLeavesSourcesAlone(cmd, dest);
}
