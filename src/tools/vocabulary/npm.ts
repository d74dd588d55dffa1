// npm.
import type { Command, Word } from '../../engine/shell.js';
import { defineTool, subcommandFor, type Subcommand } from './tool.js';

/** npm's documented names of each install command (npm help install, ci, install-test, install-ci-test). */
export const NPM_COMMAND_NAMES = {
  install: new Set(['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add']),
  ci: new Set(['ci', 'clean-install', 'ic', 'install-clean', 'isntall-clean']),
  // An install, then the project's `test` script.
  installTest: new Set(['install-test', 'it', 'install-ci-test', 'cit', 'clean-install-test', 'sit']),
} as const;

export const npm = defineTool({
  id: 'npm',
  kind: 'language',
  commands: /^npm$/,
  valueOptions: new Set(['--loglevel', '--registry', '--cache', '--omit', '--include', '--only', '--userconfig', '--prefix', '-C', '--workspace', '-w']),
  installs: new Set([...NPM_COMMAND_NAMES.install, ...NPM_COMMAND_NAMES.ci, ...NPM_COMMAND_NAMES.installTest, 'update', 'up']),
  cache: { targets: ['/root/.npm'], dataIn: '_cacache', heldBy: /(^|\/)\.npm(\/_cacache)?\/?$|npm-cache/ },
  cleanup: 'npm cache clean --force',
  effects: { writes: ['.', '/root/.npm'], reads: ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'] },
});

/** The subcommand of an `npm` command (`ci`, `install`, ...), or null. */
export const npmSubcommand = (cmd: Command): Subcommand | null => subcommandFor(npm, cmd);

/** npm installs packages (`npm ci`, `npm install`, `npm i -g x`) and so fills its download cache. */
export const isNpmInstall = (cmd: Command): boolean => npm.installs.has(npmSubcommand(cmd)?.name ?? '');

/** `npm install` with no package names (a project install, the only kind `npm ci` replaces): its `install` word. */
export function npmProjectInstallWord(cmd: Command): Word | null {
  const sub = npmSubcommand(cmd)?.word;
  if (!sub || (sub.value !== 'install' && sub.value !== 'i')) return null;
  const after = cmd.args.slice(cmd.args.indexOf(sub) + 1);
  for (let i = 0; i < after.length; i++) {
    const v = after[i]!.value;
    if (v === null) return null;
    if (npm.valueOptions.has(v)) i++;
    else if (!v.startsWith('-')) return null;
  }
  const global = after.some((w) => w.value === '-g' || w.value === '--global' || w.value === '--location=global');
  const elsewhere = after.some((w) => /^--(prefix|workspace)/.test(w.value!) || w.value === '-C' || w.value === '-w');
  return global || elsewhere ? null : sub;
}
