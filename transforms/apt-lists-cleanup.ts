// apt-lists-cleanup: `apt-get update` downloads the package lists (tens of MB) into /var/lib/apt/lists; a RUN
// that installs and leaves them there ships them in its layer. `rm -rf /var/lib/apt/lists/*` at the end of the
// same RUN keeps them out of the image (a later RUN cannot shrink an earlier layer).
// Refuses when a cache mount holds apt's folders; when a later RUN (of the stage or a stage built on it, up to a
// RUN that refreshes or removes the lists itself) installs with apt without updating first and so needs these
// lists; when the RUN cannot take one more step (exec form, `RUN cat <<EOF`, a shell other than sh). A RUN that
// already removes the lists is left alone.
import type { BuiltinTransform, Change, Skip } from '../src/engine/types.js';
import { isAptFetch, readableScript } from '../src/tools/commands.js';
import { cacheMountHolds, cleansAptLists, laterRunNeedsAptLists } from '../src/tools/packages.js';
import { appendToRun } from '../src/engine/run-edits.js';

const CLEAN_UP = 'rm -rf /var/lib/apt/lists/*';

export const aptListsCleanup: BuiltinTransform = {
  id: 'apt-lists-cleanup',
  summary: 'remove /var/lib/apt/lists/* in the RUN that installs with apt, so the package lists stay out of the image',
  safety: 'safe',
  imageDifferences: { paths: ['/var/lib/apt/lists/**'] },
  docs: 'docs/transforms/apt-lists-cleanup.md',
  trigger: { instructions: ['RUN'], tools: ['apt'] },
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN') continue;
      const line = run.getRange().start.line;
      const exec = doc.execForm(run);
      if (exec) {
        if (/^(.*\/)?apt(-get)?$/.test(exec[0] ?? '') && exec.includes('install')) skips.push({ line, reason: 'the RUN is in exec form, so no clean-up step can follow the install' });
        continue;
      }
      const script = readableScript(doc, run, /\bapt(-get)?\s(.|\n)*\binstall\b/, skips);
      if (!script) continue;
      if (!script.commands().some(isAptFetch) || cleansAptLists(script)) continue;
      if (cacheMountHolds(doc, run, 'apt')) continue;
      const needs = laterRunNeedsAptLists(doc, run);
      if (needs) {
        const unreadable = !doc.runScript(needs) || doc.runScript(needs)!.hasError;
        const why = unreadable ? 'uses apt later but cannot be read, so it may need' : 'installs with apt later without updating, so it needs';
        skips.push({ line, reason: `${doc.quote(needs)} ${why} these package lists` });
        continue;
      }
      const edit = appendToRun(doc, run, CLEAN_UP);
      if ('refuse' in edit) {
        skips.push({ line, reason: `${edit.refuse}, so the lists are left in place` });
        continue;
      }
      changes.push({ message: `remove the apt package lists at the end of ${doc.quote(run)}`, line, edits: [edit] });
    }
    return { changes, skips };
  },
};
