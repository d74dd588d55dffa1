// apt and apt-get (Debian, Ubuntu).
import type { Command, ShellScript, Word } from '../../engine/shell.js';
import { argValues, hasOption, pathTexts } from '../commands.js';
import { OS_PACKAGE_EFFECTS, basename, defineTool, subcommandFor, type Subcommand } from './tool.js';

export const apt = defineTool({
  id: 'apt',
  kind: 'os',
  commands: /^(apt-get|apt)$/,
  valueOptions: new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release']),
  // Subcommands that download packages, and so need fresh lists.
  installs: new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'build-dep', 'source', 'download']),
  // apt-get(8): update "resynchronize[s] the package index files", /var/lib/apt/lists (and apt's caches).
  refreshes: new Set(['update']),
  cache: { targets: ['/var/cache/apt', '/var/lib/apt'], options: 'sharing=locked', heldBy: /^\/var\/(cache|lib)\/apt(\/|$)/ },
  cleanup: 'rm -rf /var/lib/apt/lists/*',
  effects: OS_PACKAGE_EFFECTS,
});

/** The apt-get/apt subcommand (`update`, `install`, ...) and its word, or null when `cmd` is not apt. */
export const aptSubcommand = (cmd: Command): Subcommand | null => subcommandFor(apt, cmd);

export const isAptUpdate = (cmd: Command): boolean => aptSubcommand(cmd)?.name === 'update';
export const isAptFetch = (cmd: Command): boolean => apt.installs.has(aptSubcommand(cmd)?.name ?? '');

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

const isAptDistClean = (c: Command): boolean => ['dist-clean', 'distclean'].includes(aptSubcommand(c)?.name ?? '');

/** Commands that can delete the files they name (`find` with `-delete` or `-exec rm`). */
const DELETING = new Set(['rm', 'find']);

/**
 * The script already removes apt's package lists (`rm -rf /var/lib/apt/lists/*`, `find /var/lib/apt/lists -delete`,
 * apt 3's `apt-get dist-clean`). A command that only names the folder (`ls /var/lib/apt/lists`) removes nothing.
 */
export function cleansAptLists(script: ShellScript): boolean {
  return script.commands().some((c) => isAptDistClean(c) || (DELETING.has(basename(c.name)) && pathTexts(c).some((p) => p.startsWith('/var/lib/apt/lists') || /^\/var\/lib\/apt\/?\*?$/.test(p))));
}

/** A command that removes all of apt's package lists: `rm -rf /var/lib/apt/lists/*` or `apt-get dist-clean`. */
export const removesAptLists = (c: Command): boolean =>
  isAptDistClean(c) || (basename(c.name) === 'rm' && pathTexts(c).some((p) => /^\/var\/lib\/apt(\/lists)?\/?\*?$/.test(p)));

/**
 * Programs that read apt's package lists: apt itself, and the front ends over the same lists (aptitude, apt-fast,
 * tonistiigi/xx's xx-apt-get, which updates only for an architecture not yet added).
 */
const APT_LIST_READERS = /^(apt|apt-get|aptitude|apt-fast|xx-apt|xx-apt-get)$/;
/** An apt command inside a word: `sh -c "apt-get install -y jq"`. */
const APT_IN_TEXT = /(^|[\s;&|(`])(apt|apt-get|aptitude|apt-fast|xx-apt|xx-apt-get)\s/;

/**
 * A command that may run apt without being apt-get or apt as dockmod reads them: a front end (`aptitude install`),
 * apt as the program another one runs (`xargs -a list apt-get install`, `eatmydata apt-get install`), or in a
 * shell's text.
 */
function mayRunAptOtherwise(cmd: Command): boolean {
  if (aptSubcommand(cmd)) return false;
  return [cmd.name, ...argValues(cmd)].some((w) => w === null ? false : APT_LIST_READERS.test(basename(w)) || APT_IN_TEXT.test(w));
}

/**
 * Scripts that fetch packages with apt (or may: mayRunAptOtherwise), and whether they refresh the lists themselves
 * before the first fetch.
 */
export function aptFetchNeedsEarlierLists(script: ShellScript): boolean {
  const commands = script.commands();
  const fetch = commands.findIndex((c) => isAptFetch(c) || mayRunAptOtherwise(c));
  return fetch >= 0 && !commands.slice(0, fetch).some(isAptUpdate);
}
