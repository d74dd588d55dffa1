// yum-dnf-zypper-clean: yum, dnf, microdnf and zypper keep repository metadata and downloaded packages under
// /var/cache; a RUN that installs without cleaning ships them in its layer. The manager's own clean-up
// (`yum clean all`, `dnf clean all`, `microdnf clean all`, `zypper clean --all`) at the end of the same RUN keeps
// them out. Unlike apt's lists, the managers fetch metadata again by themselves, so later RUNs still work.
// Leaves alone a RUN that already cleans or whose cache mount holds the cache; refuses a RUN that cannot take
// one more step (exec form, a shell other than sh) and reports a RUN whose install it cannot read (`RUN cat <<EOF`,
// a script that does not parse).
import type { BuiltinTransform, Change, Skip } from '../src/engine/types.js';
import { RPM_CLEAN_UP, cleansRpmCache, rpmInstallTool } from '../src/tools/packages.js';
import { readableScript } from '../src/tools/commands.js';
import { appendToRun } from '../src/engine/run-edits.js';

/** Cache mount targets that hold an RPM-family manager's cache. */
const RPM_CACHE = /^\/var\/cache\/(yum|dnf|zypp|libdnf5)?\/?$/;

export const yumDnfZypperClean: BuiltinTransform = {
  id: 'yum-dnf-zypper-clean',
  summary: "clean yum/dnf/microdnf/zypper caches in the RUN that installs, so they stay out of the image",
  safety: 'safe',
  imageDifferences: { paths: ['/var/cache/yum/**', '/var/cache/dnf/**', '/var/cache/libdnf5/**', '/var/cache/zypp/**'] },
  docs: 'docs/transforms/yum-dnf-zypper-clean.md',
  trigger: { instructions: ['RUN'], tools: ['yum', 'dnf', 'microdnf', 'zypper'] },
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN' || doc.cacheMountTargets(run).some((t) => RPM_CACHE.test(t))) continue;
      const line = run.getRange().start.line;
      const script = readableScript(doc, run, /\b(yum|dnf|microdnf|zypper)\s[^\n]*\b(install|groupinstall|in|update|up|upgrade)\b/, skips);
      if (!script) continue;
      const commands = script.commands();
      const tools = [...new Set(commands.map(rpmInstallTool).filter((t): t is string => t !== null))];
      if (!tools.length || commands.some(cleansRpmCache)) continue;
      const cleanUp = tools.map((t) => RPM_CLEAN_UP[t]!).join(' && ');
      const edit = appendToRun(doc, run, cleanUp);
      if ('refuse' in edit) {
        skips.push({ line, reason: `${edit.refuse}, so the ${tools.join('/')} cache is left in place` });
        continue;
      }
      changes.push({ message: `add \`${cleanUp}\` at the end of ${doc.quote(run)}`, line, edits: [edit] });
    }
    return { changes, skips };
  },
};
