// pip, run as `pip`, `pip3`, `pip3.11` or `python -m pip` (`python3.11 -m pip`), with paths and options before the subcommand.
import type { Command, Word } from '../../engine/shell.js';
import { argValues } from '../commands.js';
import { basename, defineTool, subcommandFor } from './tool.js';

export const pip = defineTool({
  id: 'pip',
  kind: 'language',
  commands: /^(pip|python)(\d+(\.\d+)*)?$/,
  valueOptions: new Set(),
  installs: new Set(['install']),
  cache: { targets: ['/root/.cache/pip'], heldBy: /(^|\/)\.cache(\/pip)?\/?$/ },
  effects: { writes: ['/usr/local/lib', '/root/.cache/pip'], reads: ['requirements.txt'] },
  // python's options come before `-m pip`, pip's global options before the subcommand.
  subcommandIndex(args, name) {
    let i = 0;
    if (name.startsWith('python')) {
      while (i < args.length && args[i] !== '-m' && args[i]?.startsWith('-')) i++;
      if (args[i] !== '-m' || args[i + 1] !== 'pip') return -1;
      i += 2;
    }
    while (i < args.length && args[i]?.startsWith('-')) i++;
    return typeof args[i] === 'string' ? i : -1;
  },
});

/**
 * Index in `argv` (command name first) of the `install` word of a pip install, or -1. Recognises `pip`, `pip3`,
 * `pip3.11`, `python -m pip`, `python3.11 -m pip`, with paths and global options before the subcommand.
 */
export function pipInstallIndex(argv: readonly (string | null)[]): number {
  const name = basename(argv[0] ?? '');
  if (!pip.commands.test(name)) return -1;
  const index = pip.subcommandIndex(argv.slice(1), name);
  return index >= 0 && argv[index + 1] === 'install' ? index + 1 : -1;
}

/** A pip install command: its `install` word (fixes go right after it) and the words after it. */
export function pipInstall(cmd: Command): { install: Word; args: Word[] } | null {
  const sub = subcommandFor(pip, cmd);
  if (sub?.name !== 'install') return null;
  return { install: sub.word, args: cmd.args.slice(cmd.args.indexOf(sub.word) + 1) };
}

/**
 * The shortest abbreviation pip takes for the long options read here. pip parses with optparse, which accepts any
 * unique prefix of a long option: `--no-cache` is `--no-cache-dir`, while `--no-c` could also be `--no-clean`,
 * `--no-color` or `--no-compile` (pip's option list, src/pip/_internal/cli/cmdoptions.py).
 */
const PIP_ABBREVIATIONS: Record<string, string> = { '--no-cache-dir': '--no-ca', '--cache-dir': '--ca' };

/** The word names pip's long option `name`, in full or abbreviated, with or without `=value`. */
function isPipOption(word: string | null, name: string): boolean {
  const written = word?.split('=')[0] ?? '';
  return written.length >= PIP_ABBREVIATIONS[name]!.length && name.startsWith(written) && written.startsWith(PIP_ABBREVIATIONS[name]!);
}

/** pip's arguments turn its cache off: `--no-cache-dir`, or an abbreviation of it such as `--no-cache`. */
export const pipNoCacheDirGiven = (args: readonly (string | null)[]): boolean => args.some((a) => isPipOption(a, '--no-cache-dir'));

/** The value of pip's `--cache-dir` (or `--cache=...`) in `args`: the last one given; null when it is dynamic, undefined when none is. */
export function pipCacheDirOption(args: readonly (string | null)[]): string | null | undefined {
  let dir: string | null | undefined;
  args.forEach((a, i) => {
    if (isPipOption(a, '--cache-dir')) dir = a!.includes('=') ? a!.slice(a!.indexOf('=') + 1) : (args[i + 1] ?? null);
  });
  return dir;
}

/** A pip command that runs `install` anywhere in its words, for the cache it fills (a loose reading: any such word counts). */
export function pipRunsInstall(cmd: Command): boolean {
  const name = basename(cmd.name);
  const args = argValues(cmd);
  if (/^pip(\d+(\.\d+)*)?$/.test(name)) return args.includes('install');
  return /^python(\d+(\.\d+)*)?$/.test(name) && args.includes('pip') && args.includes('install');
}
