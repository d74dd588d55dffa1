// apk (Alpine), and tonistiigi/xx's `xx-apk`, which passes apk's arguments through for the target platform.
import type { Command } from '../../engine/shell.js';
import { argValues, hasOption, pathTexts } from '../commands.js';
import { OS_PACKAGE_EFFECTS, basename, defineTool, subcommandFor, type Subcommand } from './tool.js';

export const apk = defineTool({
  id: 'apk',
  kind: 'os',
  commands: /^(apk|xx-apk)$/,
  valueOptions: new Set(['-X', '--repository', '-p', '--root', '--arch', '--keys-dir', '--repositories-file', '--cache-dir', '-t', '--virtual', '--cache-max-age', '--timeout']),
  installs: new Set(['add']),
  cache: { targets: ['/var/cache/apk'], heldBy: /^(\/var\/cache\/apk|\/etc\/apk\/cache)\/?$/ },
  effects: OS_PACKAGE_EFFECTS,
});

/** The subcommand of an `apk` command (`add`, `update`, ...) and its word, or null. */
export const apkSubcommand = (cmd: Command): Subcommand | null => subcommandFor(apk, cmd);

export const isApkAdd = (cmd: Command): boolean => apkSubcommand(cmd)?.name === 'add';
export const isApkUpdate = (cmd: Command): boolean => apkSubcommand(cmd)?.name === 'update';
export const apkUsesNoCache = (cmd: Command): boolean => hasOption(argValues(cmd), '--no-cache');

/** `rm` of apk's cache folder (`rm -rf /var/cache/apk/*`), which `--no-cache` makes pointless. */
export function removesApkCache(cmd: Command): boolean {
  if (basename(cmd.name) !== 'rm') return false;
  const paths = pathTexts(cmd).filter((p) => !p.startsWith('-'));
  return paths.length > 0 && paths.every((p) => /^\/var\/cache\/apk\/?\*?$/.test(p));
}

/** apk subcommands that never read the package index from the cache folder. */
const APK_INDEX_FREE = new Set(['del', 'version', '--version', 'info']);

/** An apk command that keeps the package index in /var/cache/apk: `apk update`, or one that reads it without `--no-cache`. */
export function apkKeepsIndex(cmd: Command): boolean {
  const sub = apkSubcommand(cmd);
  if (!sub) return apk.commands.test(basename(cmd.name));
  return !APK_INDEX_FREE.has(sub.name) && !hasOption(argValues(cmd), '--no-cache');
}

/** An apk command that would need the index an earlier `apk update` left behind. */
export function apkNeedsCachedIndex(cmd: Command): boolean {
  const sub = apkSubcommand(cmd);
  if (!sub) return apk.commands.test(basename(cmd.name));
  if (sub.name === 'update' || APK_INDEX_FREE.has(sub.name)) return false;
  return !hasOption(argValues(cmd), '--no-cache', '-U', '--update-cache');
}
