// gem-no-document: `gem install` builds rdoc/ri pages for every gem it installs, which takes time and space that an
// image never uses. `--no-document` right after `install` skips them.
// Leaves alone a `gem install` that already decides about documentation (`--no-document`, `-N`, `--document`,
// `--no-rdoc`, `--no-ri`, ...), and reports a RUN that mentions gem but cannot be read (it does not parse, or
// feeds gem's command line in a heredoc to a command that is not a shell).
import type { BuiltinTransformModule } from '../src/engine/types.js';
import type { Command } from '../src/engine/shell.js';
import { gemDecidesDocs, gemInstallWord } from '../src/tools/vocabulary/gem.js';
import { eachReadableRun } from '../src/tools/commands.js';
import { insertAfter } from '../src/engine/run-edits.js';

const FLAG = '--no-document';
const installs = (cmd: Command): boolean => gemInstallWord(cmd) !== null;

export const gemNoDocument: BuiltinTransformModule = {
  id: 'gem-no-document',
  summary: 'add --no-document to gem install, so no rdoc/ri pages are built into the image',
  safety: 'safe',
  imageDifferences: { paths: ['/**/gems/*/doc/**', '/usr/local/bundle/doc/**'] },
  trigger: { instructions: ['RUN'], tools: ['gem'] },
  apply: (doc) =>
    eachReadableRun(doc, installs, (_run, script, findings) => {
      for (const cmd of script.commands()) {
        const install = gemInstallWord(cmd);
        if (install && !gemDecidesDocs(cmd)) findings.change(`add ${FLAG} to gem install`, [insertAfter(script, install, FLAG)]);
      }
    }),
};
