// pip-no-cache-dir: `pip install` keeps every downloaded wheel in ~/.cache/pip, inside the image layer, where it
// is never used again. `--no-cache-dir` right after `install` keeps the layer to what was installed.
// Also fixes pip installs in a command line given to another shell as one quoted string (`sh -c '...'`,
// `su app -c '...'`, `scl enable python27 '...'`).
// Refuses (silently, as there is nothing to fix) when PIP_NO_CACHE_DIR is set or a cache mount holds pip's
// cache; reports a skip for a RUN that mentions pip but does not parse as shell or feeds it in a heredoc.
import type { Change, Skip, Transform } from '../src/types.js';
import type { Document, Instruction } from '../src/document.js';
import { argValues, commandStrings, hasOption, pipInstall, pipInstallIndex, readableScript } from '../src/commands.js';

const FLAG = '--no-cache-dir';
const ENV_NAME = 'PIP_NO_CACHE_DIR';

const pipNoCacheDirIsSet = (doc: Document, run: Instruction): boolean => doc.variablesAt(run).has(ENV_NAME);
const cacheMountHoldsPipCache = (doc: Document, run: Instruction): boolean =>
  doc.cacheMountTargets(run).some((t) => /(^|\/)\.cache(\/pip)?\/?$/.test(t));

export const pipNoCacheDir: Transform = {
  id: 'pip-no-cache-dir',
  summary: 'add --no-cache-dir to pip install so the download cache stays out of the image',
  safety: 'safe',
  imageDifferences: { paths: ['/**/.cache/pip/**'] },
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN' || pipNoCacheDirIsSet(doc, run) || cacheMountHoldsPipCache(doc, run)) continue;
      const line = run.getRange().start.line;
      const message = `add ${FLAG} to pip install`;
      const exec = doc.execForm(run);
      if (exec) {
        const index = pipInstallIndex(exec);
        if (index < 0 || exec.includes(FLAG)) continue;
        const at = doc.execFormStrings(run)[index]!.end;
        changes.push({ message, line, edits: [{ start: at, end: at, text: `, "${FLAG}"` }] });
        continue;
      }
      const script = readableScript(doc, run, /\bpip[\d.]*\s+install\b/, skips);
      if (!script) continue;
      if (script.exportedVariables().has(ENV_NAME)) continue;
      // Also the pip installs of command lines run by another shell (`su app -c '...'`, `scl enable py3 '...'`).
      for (const shell of [script, ...commandStrings(script)]) {
        for (const cmd of shell.commands()) {
          const pip = pipInstall(cmd);
          if (!pip || hasOption(argValues(cmd), FLAG) || cmd.assignments.has(ENV_NAME)) continue;
          const at = shell.toDoc(pip.install.end);
          changes.push({ message, line, edits: [{ start: at, end: at, text: ` ${FLAG}` }] });
        }
      }
    }
    return { changes, skips };
  },
};
