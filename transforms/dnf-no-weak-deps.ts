// dnf-no-weak-deps: dnf and microdnf install the weak dependencies (Recommends, Supplements) of every package too,
// since install_weak_deps is on by default: packages nobody asked for. `--setopt=install_weak_deps=False` right
// after the subcommand installs what the packages require (microdnf takes only `0`/`1` there, so it gets `=0`).
// Unsafe: a program may rely on a weak dependency, so the image's contents change; and microdnf before 3.4
// (RHEL 8.1 and older) does not know the option and fails.
// Leaves alone a command that sets install_weak_deps itself, yum (yum 3 has no weak dependencies, and a yum that
// is dnf cannot be told from it) and dnf5 (not read yet). Refuses an install after a step that writes dnf's
// configuration (`install_weak_deps`, `/etc/dnf/`, `/etc/yum.conf`), which may decide instead, and a command with
// a word known only at build time (`$DNF_OPTS`), which may set the option or hide the subcommand.
import type { BuiltinTransform, Change, Skip } from '../src/engine/types.js';
import type { Document, Instruction } from '../src/engine/document.js';
import type { Command, ShellScript } from '../src/engine/shell.js';
import { rpmDecidesWeakDeps, rpmInstallTool, rpmSubcommand } from '../src/tools/packages.js';
import { readableScript } from '../src/tools/commands.js';

/** The option that turns weak dependencies off, as each manager accepts it. */
const WEAK_DEPS_OFF: Record<string, string> = { dnf: '--setopt=install_weak_deps=False', microdnf: '--setopt=install_weak_deps=0' };

const MENTIONS = /\b(dnf|microdnf)\s[\s\S]*\b(install|groupinstall|localinstall|update|upgrade|reinstall|builddep|distro-sync)\b/;

/** Text of a command or an instruction that sets or writes dnf's configuration. */
const DNF_CONFIG = /install_weak_deps|\/etc\/dnf\/|\/etc\/yum\.conf\b/;

const isManaged = (cmd: Command): boolean => cmd.name.replace(/^.*\//, '') in WEAK_DEPS_OFF;

/** The commands of `script` that set dnf's configuration, other than an install's own --setopt (which sets it for that install only). */
const configCommands = (script: ShellScript): Command[] =>
  script.commands().filter((c) => !(isManaged(c) && rpmInstallTool(c)) && DNF_CONFIG.test(script.text.slice(c.start, c.end)));

/** The instruction writes dnf's configuration: a COPY/ADD into /etc/dnf, a RUN with a command that sets it. */
function writesDnfConfig(doc: Document, ins: Instruction): boolean {
  const copy = doc.copyArgs(ins);
  if (copy) return /^\/etc\/(dnf(\/|$)|yum\.conf$)/.test(copy.dest);
  if (ins.getKeyword() !== 'RUN') return false;
  const script = doc.runScript(ins);
  return script ? configCommands(script).length > 0 : DNF_CONFIG.test(ins.getTextContent());
}

export const dnfNoWeakDeps: BuiltinTransform = {
  id: 'dnf-no-weak-deps',
  summary: 'add --setopt=install_weak_deps=False to dnf/microdnf installs (changes what gets installed)',
  safety: 'unsafe',
  docs: 'docs/transforms/dnf-no-weak-deps.md',
  trigger: { instructions: ['RUN'], tools: ['dnf', 'microdnf'] },
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    const instructions = doc.instructions();
    instructions.forEach((run, index) => {
      if (run.getKeyword() !== 'RUN') return;
      const line = run.getRange().start.line;
      const script = readableScript(doc, run, MENTIONS, skips);
      if (!script) return;
      const configured = instructions.slice(0, index).findLast((ins) => writesDnfConfig(doc, ins));
      const configuredHere = configCommands(script);
      for (const cmd of script.commands().filter(isManaged)) {
        const sub = rpmSubcommand(cmd);
        const dynamic = cmd.args.find((a) => a.value === null);
        if (dynamic && !sub) {
          skips.push({ line, reason: `\`${dynamic.text}\` in \`${cmd.name}\` is known only at build time and may be the subcommand, so the command is left as it is` });
          continue;
        }
        if (dynamic && rpmInstallTool(cmd)) {
          skips.push({ line, reason: `\`${dynamic.text}\` in \`${cmd.name} ${sub!.name}\` is known only at build time and may set install_weak_deps, so the command is left as it is` });
          continue;
        }
        if (!sub || !rpmInstallTool(cmd) || rpmDecidesWeakDeps(cmd)) continue;
        const earlier = configuredHere.find((c) => c.start < cmd.start);
        if (earlier || configured) {
          const where = earlier ? `\`${script.text.slice(earlier.start, earlier.end)}\` in the same RUN` : doc.quote(configured!);
          skips.push({ line, reason: `${where} writes dnf's configuration, which may set install_weak_deps, so \`${cmd.name} ${sub.name}\` is left as it is` });
          continue;
        }
        const at = script.toDoc(sub.word.end);
        const option = WEAK_DEPS_OFF[sub.tool]!;
        changes.push({ message: `add ${option} to \`${cmd.name} ${sub.name}\``, line, edits: [{ start: at, end: at, text: ` ${option}` }] });
      }
    });
    return { changes, skips };
  },
};
