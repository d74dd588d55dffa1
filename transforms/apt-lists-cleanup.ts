// apt-lists-cleanup: `apt-get update` downloads the package lists (tens of MB) into /var/lib/apt/lists; a RUN
// that installs and leaves them there ships them in its layer. `rm -rf /var/lib/apt/lists/*` at the end of the
// same RUN keeps them out of the image (a later RUN cannot shrink an earlier layer).
// Refuses when a cache mount holds apt's folders; when a later RUN (of the stage or a stage built on it, up to a
// RUN that refreshes or removes the lists itself) installs with apt without updating first and so needs these
// lists; when the RUN cannot take one more step (exec form, `RUN cat <<EOF`, a shell other than sh). A RUN that
// already removes the lists is left alone.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import { eachInstruction } from '../src/engine/iterate.js';
import { readableScript } from '../src/tools/commands.js';
import { apt, cleansAptLists, isAptFetch } from '../src/tools/vocabulary/apt.js';
import { cacheMountHolds, laterRunNeedsAptLists } from '../src/tools/packages.js';
import { appendToRun } from '../src/engine/run-edits.js';

export const aptListsCleanup: BuiltinTransformModule = {
  id: 'apt-lists-cleanup',
  summary: 'remove /var/lib/apt/lists/* in the RUN that installs with apt, so the package lists stay out of the image',
  safety: 'safe',
  imageDifferences: { paths: ['/var/lib/apt/lists/**'] },
  trigger: { instructions: ['RUN'], tools: ['apt'] },
  apply: (doc) =>
    eachInstruction(doc, 'RUN', (run, findings) => {
      const exec = doc.execForm(run);
      if (exec) {
        if (/^(.*\/)?apt(-get)?$/.test(exec[0] ?? '') && exec.includes('install')) findings.skip('the RUN is in exec form, so no clean-up step can follow the install');
        return;
      }
      const script = readableScript(doc, run, isAptFetch, findings.skips);
      if (!script || !script.commands().some(isAptFetch) || cleansAptLists(script) || cacheMountHolds(doc, run, 'apt')) return;
      const needs = laterRunNeedsAptLists(doc, run);
      if (needs) {
        const unreadable = !doc.runScript(needs) || doc.runScript(needs)!.hasError;
        const why = unreadable ? 'uses apt later but cannot be read, so it may need' : 'installs with apt later without updating, so it needs';
        findings.skip(`${doc.quote(needs)} ${why} these package lists`);
        return;
      }
      const edit = appendToRun(doc, run, apt.cleanup!);
      if ('refuse' in edit) findings.skip(`${edit.refuse}, so the lists are left in place`);
      else findings.change(`remove the apt package lists at the end of ${doc.quote(run)}`, [edit]);
    }),
};
