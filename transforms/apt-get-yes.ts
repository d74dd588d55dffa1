// apt-get-yes: a build cannot answer apt's "Do you want to continue? [Y/n]": without `-y` apt-get aborts (or,
// with `DEBIAN_FRONTEND=noninteractive` alone, still stops at the question). `-y` right after the subcommand
// makes the answer explicit. Nothing to refuse: an apt command that already assumes yes (`-y`, `--yes`, `-qq`,
// `-o APT::Get::Assume-Yes=true`) is left alone, and a RUN that does not parse is reported.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import type { Command } from '../src/engine/shell.js';
import { aptAssumesYes, aptPromptingSubcommand } from '../src/tools/vocabulary/apt.js';
import { eachReadableRun } from '../src/tools/commands.js';
import { insertAfter } from '../src/engine/run-edits.js';

const prompts = (cmd: Command): boolean => aptPromptingSubcommand(cmd) !== null;

export const aptGetYes: BuiltinTransformModule = {
  id: 'apt-get-yes',
  summary: 'add -y to apt-get install/upgrade/remove, since a build cannot answer the prompt',
  safety: 'safe',
  trigger: { instructions: ['RUN'], tools: ['apt'] },
  apply: (doc) =>
    eachReadableRun(doc, prompts, (_run, script, findings) => {
      for (const cmd of script.commands()) {
        const sub = aptPromptingSubcommand(cmd);
        if (sub && !aptAssumesYes(cmd)) findings.change(`add -y to \`${cmd.name} ${sub.value}\``, [insertAfter(script, sub, '-y')]);
      }
    }),
};
