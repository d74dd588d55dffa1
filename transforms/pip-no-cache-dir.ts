// pip-no-cache-dir: `pip install` keeps every downloaded wheel in ~/.cache/pip, inside the image layer, where it
// is never used again. `--no-cache-dir` right after `install` keeps the layer to what was installed.
// Also fixes pip installs in a command line given to another shell as one quoted string (`sh -c '...'`,
// `su app -c '...'`, `scl enable python27 '...'`).
// Leaves alone (silently, as there is nothing to fix) a pip whose cache is already off (`--no-cache-dir` or an
// abbreviation pip takes, such as `--no-cache`; PIP_NO_CACHE_DIR) or kept on purpose: its cache folder (from
// `--cache-dir`, PIP_CACHE_DIR, XDG_CACHE_HOME or the home folder) is on a cache mount of the RUN. Reports a skip
// when the folder cannot be known and the RUN has a cache mount, and for a RUN that mentions pip but does not
// parse as shell or feeds it in a heredoc.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import type { Document, Instruction } from '../src/engine/document.js';
import type { Command } from '../src/engine/shell.js';
import { eachInstruction } from '../src/engine/iterate.js';
import { insertAfter } from '../src/engine/run-edits.js';
import { argValues, commandStrings, readableScript } from '../src/tools/commands.js';
import { pipCacheDirOption, pipInstall, pipInstallIndex, pipNoCacheDirGiven } from '../src/tools/vocabulary/pip.js';
import { cacheMountCovers, pipCacheFolder } from '../src/tools/packages.js';

const FLAG = '--no-cache-dir';
const ENV_NAME = 'PIP_NO_CACHE_DIR';

const pipNoCacheDirIsSet = (doc: Document, run: Instruction): boolean => doc.variablesAt(run).has(ENV_NAME);
const installs = (cmd: Command): boolean => pipInstall(cmd) !== null;

/** Why the pip command's cache is meant to be kept (a cache mount holds it, or may), or null. */
function cacheKept(doc: Document, run: Instruction, folder: string | null): string | null {
  if (folder === null) return doc.cacheMountTargets(run).length ? "pip's cache folder cannot be known here and the RUN has a cache mount that may hold it, so --no-cache-dir is not added" : null;
  return cacheMountCovers(doc, run, folder) ? 'held' : null;
}

export const pipNoCacheDir: BuiltinTransformModule = {
  id: 'pip-no-cache-dir',
  summary: 'add --no-cache-dir to pip install so the download cache stays out of the image',
  safety: 'safe',
  imageDifferences: { paths: ['/**/.cache/pip/**'] },
  trigger: { instructions: ['RUN'], tools: ['pip'] },
  apply: (doc) =>
    eachInstruction(doc, 'RUN', (run, findings) => {
      if (pipNoCacheDirIsSet(doc, run)) return;
      const message = `add ${FLAG} to pip install`;
      const exec = doc.execForm(run);
      if (exec) {
        const index = pipInstallIndex(exec);
        if (index < 0 || pipNoCacheDirGiven(exec) || pipCacheDirOption(exec) !== undefined || cacheKept(doc, run, pipCacheFolder(doc, run, { args: exec, assignments: new Map() }))) return;
        const at = doc.execFormStrings(run)[index]!.end;
        findings.change(message, [{ start: at, end: at, text: `, "${FLAG}"` }]);
        return;
      }
      const script = readableScript(doc, run, installs, findings.skips);
      if (!script) return;
      const exported = script.exportedVariables();
      if (exported.has(ENV_NAME)) return;
      // Also the pip installs of command lines run by another shell (`su app -c '...'`, `scl enable py3 '...'`).
      for (const shell of [script, ...commandStrings(script)]) {
        for (const cmd of shell.commands()) {
          const pip = pipInstall(cmd);
          const args = argValues(cmd);
          if (!pip || pipNoCacheDirGiven(args) || cmd.assignments.has(ENV_NAME)) continue;
          const kept = cacheKept(doc, run, pipCacheFolder(doc, run, { args, assignments: cmd.assignments }, exported));
          // pip takes the last of `--no-cache-dir` and `--cache-dir`: the flag after `install` would not win over a later one.
          if (pipCacheDirOption(args) !== undefined && !kept) {
            findings.skip('pip is given its own --cache-dir, which it would take over a --no-cache-dir before it, so the RUN is left as written');
            continue;
          }
          if (kept) {
            if (kept !== 'held') findings.skip(kept);
            continue;
          }
          findings.change(message, [insertAfter(shell, pip.install, FLAG)]);
        }
      }
    }),
};
