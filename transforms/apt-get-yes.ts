// apt-get-yes: a build cannot answer apt's "Do you want to continue? [Y/n]": without `-y` apt-get aborts (or,
// with `DEBIAN_FRONTEND=noninteractive` alone, still stops at the question). `-y` right after the subcommand
// makes the answer explicit. Nothing to refuse: an apt command that already assumes yes (`-y`, `--yes`, `-qq`,
// `-o APT::Get::Assume-Yes=true`) is left alone, and a RUN that does not parse is reported.
import type { BuiltinTransform, Change, Skip } from '../src/engine/types.js';
import { aptAssumesYes, aptPromptingSubcommand } from '../src/tools/packages.js';
import { readableScript } from '../src/tools/commands.js';

export const aptGetYes: BuiltinTransform = {
  id: 'apt-get-yes',
  summary: 'add -y to apt-get install/upgrade/remove, since a build cannot answer the prompt',
  safety: 'safe',
  docs: 'docs/transforms/apt-get-yes.md',
  trigger: { instructions: ['RUN'], tools: ['apt'] },
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN') continue;
      const line = run.getRange().start.line;
      const script = readableScript(doc, run, /\bapt(-get)?\s/, skips);
      if (!script) continue;
      for (const cmd of script.commands()) {
        const sub = aptPromptingSubcommand(cmd);
        if (!sub || aptAssumesYes(cmd)) continue;
        const at = script.toDoc(sub.end);
        changes.push({ message: `add -y to \`${cmd.name} ${sub.value}\``, line, edits: [{ start: at, end: at, text: ' -y' }] });
      }
    }
    return { changes, skips };
  },
};
