// dnf-no-weak-deps: dnf and microdnf install the weak dependencies (Recommends, Supplements) of every package too,
// since install_weak_deps is on by default: packages nobody asked for. `--setopt=install_weak_deps=False` right
// after the subcommand installs what the packages require (microdnf takes only `0`/`1` there, so it gets `=0`).
// Unsafe: a program may rely on a weak dependency, so the image's contents change; and microdnf before 3.4
// (RHEL 8.1 and older) does not know the option and fails.
// Leaves alone a command that sets install_weak_deps itself, yum (yum 3 has no weak dependencies, and a yum that
// is dnf cannot be told from it) and dnf5 (not read yet). Refuses an install after a step that writes dnf's
// configuration (`install_weak_deps`, `/etc/dnf/`, `/etc/yum.conf`), which may decide instead, and a command with
// a word known only at build time (`$DNF_OPTS`), which may set the option or hide the subcommand.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import type { Document, Instruction } from '../src/engine/document.js';
import type { Command, ShellScript } from '../src/engine/shell.js';
import { rpmDecidesWeakDeps, rpmInstall, rpmSubcommand } from '../src/tools/vocabulary/rpm.js';
import { basename } from '../src/tools/vocabulary/tool.js';
import { eachReadableRun } from '../src/tools/commands.js';
import { insertAfter } from '../src/engine/run-edits.js';

/** The option that turns weak dependencies off, as each manager accepts it. */
const WEAK_DEPS_OFF: Record<string, string> = { dnf: '--setopt=install_weak_deps=False', microdnf: '--setopt=install_weak_deps=0' };

/** Text of a command or an instruction that sets or writes dnf's configuration. */
const DNF_CONFIG = /install_weak_deps|\/etc\/dnf\/|\/etc\/yum\.conf\b/;

const isManaged = (cmd: Command): boolean => basename(cmd.name) in WEAK_DEPS_OFF;
/** A dnf or microdnf command that installs, or may (its subcommand is known only at build time). */
const mayInstall = (cmd: Command): boolean => isManaged(cmd) && (rpmInstall(cmd) !== null || cmd.args.some((a) => a.value === null));

/** The commands of `script` that set dnf's configuration, other than an install's own --setopt (which sets it for that install only). */
const configCommands = (script: ShellScript): Command[] =>
  script.commands().filter((c) => !(isManaged(c) && rpmInstall(c)) && DNF_CONFIG.test(script.text.slice(c.start, c.end)));

/** The instruction writes dnf's configuration: a COPY/ADD into /etc/dnf, a RUN with a command that sets it. */
function writesDnfConfig(doc: Document, ins: Instruction): boolean {
  const copy = doc.copyArgs(ins);
  if (copy) return /^\/etc\/(dnf(\/|$)|yum\.conf$)/.test(copy.dest);
  if (ins.getKeyword() !== 'RUN') return false;
  const script = doc.runScript(ins);
  return script ? configCommands(script).length > 0 : DNF_CONFIG.test(ins.getTextContent());
}

export const dnfNoWeakDeps: BuiltinTransformModule = {
  id: 'dnf-no-weak-deps',
  summary: 'add --setopt=install_weak_deps=False to dnf/microdnf installs (changes what gets installed)',
  safety: 'unsafe',
  trigger: { instructions: ['RUN'], tools: ['dnf', 'microdnf'] },
  apply(doc) {
    const instructions = doc.instructions();
    return eachReadableRun(doc, mayInstall, (run, script, findings) => {
      const configured = instructions.slice(0, instructions.indexOf(run)).findLast((ins) => writesDnfConfig(doc, ins));
      const configuredHere = configCommands(script);
      for (const cmd of script.commands().filter(isManaged)) {
        const sub = rpmSubcommand(cmd);
        const dynamic = cmd.args.find((a) => a.value === null);
        if (dynamic && !sub) {
          findings.skip(`\`${dynamic.text}\` in \`${cmd.name}\` is known only at build time and may be the subcommand, so the command is left as it is`);
          continue;
        }
        if (dynamic && rpmInstall(cmd)) {
          findings.skip(`\`${dynamic.text}\` in \`${cmd.name} ${sub!.name}\` is known only at build time and may set install_weak_deps, so the command is left as it is`);
          continue;
        }
        if (!sub || !rpmInstall(cmd) || rpmDecidesWeakDeps(cmd)) continue;
        const earlier = configuredHere.find((c) => c.start < cmd.start);
        if (earlier || configured) {
          const where = earlier ? `\`${script.text.slice(earlier.start, earlier.end)}\` in the same RUN` : doc.quote(configured!);
          findings.skip(`${where} writes dnf's configuration, which may set install_weak_deps, so \`${cmd.name} ${sub.name}\` is left as it is`);
          continue;
        }
        const option = WEAK_DEPS_OFF[sub.tool]!;
        findings.change(`add ${option} to \`${cmd.name} ${sub.name}\``, [insertAfter(script, sub.word, option)]);
      }
    });
  },
};
