// yarn (classic; Berry reads the same command line).
import type { Command } from '../../engine/shell.js';
import { basename, defineTool } from './tool.js';
import { npm } from './npm.js';

export const yarn = defineTool({
  id: 'yarn',
  kind: 'language',
  commands: /^yarn$/,
  valueOptions: npm.valueOptions,
  // `yarn` alone installs too (see isYarnInstall).
  installs: new Set(['install', 'add', 'global']),
  cache: { targets: ['/usr/local/share/.cache/yarn'], heldBy: /yarn/ },
  cleanup: 'yarn cache clean',
  effects: { writes: ['.', '/usr/local/share/.cache/yarn'], reads: ['package.json', 'yarn.lock', '.yarnrc', '.yarnrc.yml'] },
});

/** yarn installs packages: `yarn`, `yarn install`, `yarn add x`, `yarn global add x`. */
export function isYarnInstall(cmd: Command): boolean {
  if (!yarn.commands.test(basename(cmd.name))) return false;
  const args = cmd.args.map((a) => a.value);
  const sub = yarn.subcommandIndex(args, 'yarn');
  if (sub < 0) return args.every((a) => a !== null);
  return yarn.installs.has(args[sub]!);
}
