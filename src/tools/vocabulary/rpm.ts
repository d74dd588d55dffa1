// The RPM family: yum, dnf, microdnf, zypper. They share their option syntax; each has its own clean-up.
import type { Command } from '../../engine/shell.js';
import { argValues, pathTexts } from '../commands.js';
import { OS_PACKAGE_EFFECTS, basename, defineTool, subcommandFor, type Subcommand, type Tool, type ToolId } from './tool.js';

const VALUE_OPTIONS = new Set(['-c', '--config', '-d', '--debuglevel', '-e', '--errorlevel', '--setopt', '--installroot', '--releasever', '--enablerepo', '--disablerepo', '-x', '--exclude', '--repo', '--repoid', '-R', '--root', '--type', '-t']);

function rpmTool(id: ToolId, installs: string[], cleanup: string): Tool {
  return defineTool({ id, kind: 'os', commands: new RegExp(`^${id}$`), valueOptions: VALUE_OPTIONS, installs: new Set(installs), cleanup, effects: OS_PACKAGE_EFFECTS });
}

export const yum = rpmTool('yum', ['install', 'groupinstall', 'localinstall', 'update', 'upgrade', 'reinstall', 'builddep'], 'yum clean all');
export const dnf = rpmTool('dnf', ['install', 'groupinstall', 'localinstall', 'update', 'upgrade', 'reinstall', 'builddep', 'distro-sync'], 'dnf clean all');
export const microdnf = rpmTool('microdnf', ['install', 'update', 'upgrade', 'reinstall'], 'microdnf clean all');
export const zypper = rpmTool('zypper', ['install', 'in', 'update', 'up', 'dist-upgrade', 'dup', 'patch', 'source-install', 'si'], 'zypper clean --all');

export const RPM_TOOLS: readonly Tool[] = [yum, dnf, microdnf, zypper];

/** The manager (`yum`, `dnf`, `microdnf`, `zypper`) and subcommand of an RPM-family command, or null. */
export function rpmSubcommand(cmd: Command): Subcommand | null {
  for (const tool of RPM_TOOLS) {
    const sub = subcommandFor(tool, cmd);
    if (sub) return sub;
  }
  return null;
}

/** The RPM-family command's subcommand when it installs packages (`dnf install`, `zypper in`), or null. */
export function rpmInstall(cmd: Command): Subcommand | null {
  const sub = rpmSubcommand(cmd);
  return sub && RPM_TOOLS.find((t) => t.id === sub.tool)!.installs.has(sub.name) ? sub : null;
}

/** The dnf/microdnf command sets install_weak_deps itself: `--setopt=install_weak_deps=...` or `--setopt install_weak_deps=...`. */
export function rpmDecidesWeakDeps(cmd: Command): boolean {
  const args = argValues(cmd);
  const setopts = args.flatMap((a, i) => (a === null ? [] : a.startsWith('--setopt=') ? [a.slice('--setopt='.length)] : args[i - 1] === '--setopt' ? [a] : []));
  return setopts.some((option) => option.startsWith('install_weak_deps='));
}

/** The command cleans an RPM-family cache: `yum clean all`, `zypper cc`, `rm -rf /var/cache/dnf`. */
export function cleansRpmCache(cmd: Command): boolean {
  const sub = rpmSubcommand(cmd);
  if (sub && ['clean', 'cc'].includes(sub.name)) return true;
  return basename(cmd.name) === 'rm' && pathTexts(cmd).some((p) => /^\/var\/cache\/(yum|dnf|zypp|libdnf5)\b/.test(p));
}
