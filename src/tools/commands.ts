// The shared vocabulary for the commands transforms look for. Each predicate reads like the rule it serves.
import type { Document, Instruction } from '../engine/document.js';
import { POSIX_SHELLS, ShellScript, type Command, type ShellNode, type Segment, type Word } from '../engine/shell.js';
import type { Skip } from '../engine/types.js';

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

/**
 * The RUN's script when its commands can be read, else null (exec form, a script that does not parse). A RUN
 * that mentions the tool (`mentions`) but whose commands cannot be read, or hold the mention in a heredoc body,
 * gets a skip saying why (unreadMention).
 */
export function readableScript(doc: Document, run: Instruction, mentions: RegExp, skips: Skip[]): ShellScript | null {
  const script = doc.runScript(run);
  if (!script) return null;
  const unread = unreadMention(script, mentions);
  if (unread) skips.push({ line: run.getRange().start.line, reason: unread });
  return script.hasError ? null : script;
}

/**
 * Why a RUN that mentions a tool (`mentions`) cannot have its commands read, or null: the script does not parse,
 * or the mention is in a heredoc fed to a command (`RUN bash <<EOF`, `RUN cat <<EOF > f`), whose body is data to
 * the shell. Transforms leave such a RUN as written and report this reason.
 */
function unreadMention(script: ShellScript, mentions: RegExp): string | null {
  if (!mentions.test(script.text)) return null;
  if (script.hasError) return 'the RUN does not parse as shell, so it is left untouched';
  // A heredoc needs `<<`; most scripts have none, and walking their trees is not free.
  if (!script.text.includes('<<')) return null;
  const pending: ShellNode[] = [script.root];
  while (pending.length) {
    const node = pending.pop()!;
    if (node.type === 'heredoc_body' && mentions.test(node.text)) {
      const statement = node.parent?.parent;
      const name = statement?.type === 'redirected_statement' ? statement.childForFieldName('body')?.childForFieldName('name')?.text : undefined;
      return `the RUN feeds a heredoc to ${name ? `\`${name}\`` : 'a command'}, whose body is not read as commands, so it is left as written`;
    }
    for (const child of node.namedChildren) if (child) pending.push(child);
  }
  return null;
}

const SHELLS = new RegExp(`^(${POSIX_SHELLS.join('|')})$`);

/** The argument a command runs as a shell command line: `sh -c '...'`, `su app -c '...'`, `scl enable python27 '...'`. */
function commandStringArg(cmd: Command): Word | null {
  const tool = basename(cmd.name);
  const values = argValues(cmd);
  if (SHELLS.test(tool)) {
    const option = values.findIndex((v) => v !== null && /^-[a-z]*c[a-z]*$/.test(v));
    return option >= 0 && values.slice(0, option).every((v) => v?.startsWith('-')) ? (cmd.args[option + 1] ?? null) : null;
  }
  if (tool === 'su' || tool === 'runuser') {
    const option = values.findIndex((v) => v === '-c' || v === '--command');
    return option >= 0 ? (cmd.args[option + 1] ?? null) : null;
  }
  if (tool === 'scl' && values[0] === 'enable' && values.length >= 3 && !values.includes('--')) return cmd.args[cmd.args.length - 1]!;
  return null;
}

/**
 * The command lines a script passes to another shell as one quoted string (see commandStringArg), parsed, with
 * offsets mapped to the Dockerfile. Only strings whose text is their value (single quotes, or double quotes
 * without escapes or expansions) and that parse without comments are read, so an edit inside them means what it
 * says.
 */
export function commandStrings(script: ShellScript): ShellScript[] {
  const out: ShellScript[] = [];
  for (const cmd of script.commands()) {
    const arg = commandStringArg(cmd);
    if (!arg || arg.value === null || !/^(['"]).*\1$/s.test(arg.text) || arg.text.slice(1, -1) !== arg.value) continue;
    const segments: Segment[] = [];
    for (let i = 0; i < arg.value.length; i++) {
      const doc = script.toDoc(arg.start + 1 + i);
      const last = segments[segments.length - 1];
      if (last && last.docStart + last.length === doc) last.length++;
      else segments.push({ shellStart: i, docStart: doc, length: 1 });
    }
    const inner = new ShellScript(arg.value, segments);
    // A comment inside the string would hide from a reader where the command line ends: leave such strings alone.
    if (!inner.hasError && !inner.comments().length) out.push(inner);
  }
  return out;
}
