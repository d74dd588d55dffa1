// The shared vocabulary for the commands transforms look for. Each predicate reads like the rule it serves.
import type { Command, Word } from './shell.js';

/** Static values of a command's arguments (null for dynamic words). */
export function argValues(cmd: Command): (string | null)[] {
  return cmd.args.map((a) => a.value);
}

function basename(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** apt-get options that take a separate value. */
const APT_VALUE_OPTIONS = new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release']);

/** The apt-get/apt subcommand (`update`, `install`, ...) and its position, or null when `cmd` is not apt. */
export function aptSubcommand(cmd: Command): { tool: 'apt-get' | 'apt'; name: string; word: Word } | null {
  const tool = basename(cmd.name);
  if (tool !== 'apt-get' && tool !== 'apt') return null;
  for (let i = 0; i < cmd.args.length; i++) {
    const value = cmd.args[i]!.value;
    if (value === null) return null;
    if (APT_VALUE_OPTIONS.has(value)) i++;
    else if (!value.startsWith('-')) return { tool, name: value, word: cmd.args[i]! };
  }
  return null;
}

export const isAptUpdate = (cmd: Command): boolean => aptSubcommand(cmd)?.name === 'update';

/** apt subcommands that download packages and so need fresh lists. */
const APT_FETCHING = new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'build-dep', 'source', 'download']);
export const isAptFetch = (cmd: Command): boolean => APT_FETCHING.has(aptSubcommand(cmd)?.name ?? '');

/**
 * Index in `argv` (command name first) of the `install` word of a pip install, or -1. Recognises `pip`, `pip3`,
 * `pip3.11`, `python -m pip`, `python3.11 -m pip`, with paths and global options before the subcommand.
 */
export function pipInstallIndex(argv: readonly (string | null)[]): number {
  const name = basename(argv[0] ?? '');
  let i = 1;
  if (/^python(\d+(\.\d+)*)?$/.test(name)) {
    while (i < argv.length && argv[i] !== '-m' && argv[i]?.startsWith('-')) i++;
    if (argv[i] !== '-m' || argv[i + 1] !== 'pip') return -1;
    i += 2;
  } else if (!/^pip(\d+(\.\d+)*)?$/.test(name)) {
    return -1;
  }
  while (i < argv.length && argv[i]?.startsWith('-')) i++;
  return argv[i] === 'install' ? i : -1;
}

/** A pip install command: its `install` word (fixes go right after it) and the words after it. */
export function pipInstall(cmd: Command): { install: Word; args: Word[] } | null {
  const index = pipInstallIndex([cmd.name, ...argValues(cmd)]);
  if (index < 0) return null;
  return { install: cmd.args[index - 1]!, args: cmd.args.slice(index) };
}

/** An argument list has `--flag` or `--flag=value` (or the short form). */
export function hasOption(args: readonly (string | null)[], ...names: string[]): boolean {
  return args.some((a) => a !== null && names.some((n) => a === n || a.startsWith(`${n}=`)));
}

/** Subcommands that install OS packages, per system package manager (`apt-get` is read with its options). */
const OS_INSTALL_SUBCOMMANDS: Record<string, readonly string[]> = {
  apk: ['add'],
  yum: ['install', 'groupinstall', 'update', 'upgrade'],
  dnf: ['install', 'groupinstall', 'update', 'upgrade'],
  microdnf: ['install', 'update', 'upgrade'],
  zypper: ['install', 'in', 'update', 'up'],
};

/** The system package manager a command installs OS packages with (`apt-get`, `apk`, ...), or null. */
export function osPackageInstall(argv: readonly (string | null)[]): string | null {
  const tool = basename(argv[0] ?? '');
  if (tool === 'apt-get' || tool === 'apt') {
    const sub = argv.slice(1).find((a, i, rest) => a !== null && !a.startsWith('-') && !APT_VALUE_OPTIONS.has(rest[i - 1] ?? ''));
    return sub && APT_FETCHING.has(sub) ? tool : null;
  }
  const subcommands = OS_INSTALL_SUBCOMMANDS[tool];
  const sub = argv.slice(1).find((a) => a !== null && !a.startsWith('-'));
  return subcommands && sub && subcommands.includes(sub) ? tool : null;
}
