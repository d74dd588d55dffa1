// yum-dnf-zypper-clean: yum, dnf, microdnf and zypper keep repository metadata and downloaded packages under
// /var/cache; a RUN that installs without cleaning ships them in its layer. The manager's own clean-up
// (`yum clean all`, `dnf clean all`, `microdnf clean all`, `zypper clean --all`) at the end of the same RUN keeps
// them out. Unlike apt's lists, the managers fetch metadata again by themselves, so later RUNs still work.
// Leaves alone a RUN that already cleans or whose cache mount holds the cache; refuses a RUN that cannot take
// one more step (exec form, a shell other than sh) and reports a RUN whose install it cannot read (`RUN cat <<EOF`,
// a script that does not parse).
import type { BuiltinTransformModule } from '../src/engine/types.js';
import type { Command } from '../src/engine/shell.js';
import { RPM_TOOLS, cleansRpmCache, rpmSubcommand } from '../src/tools/vocabulary/rpm.js';
import { eachReadableRun } from '../src/tools/commands.js';
import { appendToRun } from '../src/engine/run-edits.js';

/** Cache mount targets that hold an RPM-family manager's cache. */
const RPM_CACHE = /^\/var\/cache\/(yum|dnf|zypp|libdnf5)?\/?$/;

/** The RPM-family manager a command installs packages with, or undefined. */
function installingTool(cmd: Command) {
  const sub = rpmSubcommand(cmd);
  return RPM_TOOLS.find((t) => t.id === sub?.tool && t.installs.has(sub.name));
}
const installs = (cmd: Command): boolean => installingTool(cmd) !== undefined;

export const yumDnfZypperClean: BuiltinTransformModule = {
  id: 'yum-dnf-zypper-clean',
  summary: "clean yum/dnf/microdnf/zypper caches in the RUN that installs, so they stay out of the image",
  safety: 'safe',
  imageDifferences: { paths: ['/var/cache/yum/**', '/var/cache/dnf/**', '/var/cache/libdnf5/**', '/var/cache/zypp/**'] },
  trigger: { instructions: ['RUN'], tools: ['yum', 'dnf', 'microdnf', 'zypper'] },
  apply: (doc) =>
    eachReadableRun(
      doc,
      installs,
      (run, script, findings) => {
        const commands = script.commands();
        const tools = [...new Set(commands.map(installingTool).filter((t) => t !== undefined))];
        if (!tools.length || commands.some(cleansRpmCache)) return;
        const cleanUp = tools.map((t) => t.cleanup!).join(' && ');
        const edit = appendToRun(doc, run, cleanUp);
        if ('refuse' in edit) findings.skip(`${edit.refuse}, so the ${tools.map((t) => t.id).join('/')} cache is left in place`);
        else findings.change(`add \`${cleanUp}\` at the end of ${doc.quote(run)}`, [edit]);
      },
      (run) => doc.cacheMountTargets(run).some((t) => RPM_CACHE.test(t)),
    ),
};
