// gem-no-document: `gem install` builds rdoc/ri pages for every gem it installs, which takes time and space that an
// image never uses. `--no-document` right after `install` skips them.
// Leaves alone a `gem install` that already decides about documentation (`--no-document`, `-N`, `--document`,
// `--no-rdoc`, `--no-ri`, ...), and reports a RUN that mentions gem but cannot be read (it does not parse, or
// feeds gem's command line in a heredoc to a command that is not a shell).
import type { Change, Skip, Transform } from '../src/engine/types.js';
import { gemDecidesDocs, gemInstallWord } from '../src/tools/packages.js';
import { readableScript } from '../src/tools/commands.js';

const FLAG = '--no-document';

export const gemNoDocument: Transform = {
  id: 'gem-no-document',
  summary: 'add --no-document to gem install, so no rdoc/ri pages are built into the image',
  safety: 'safe',
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN') continue;
      const line = run.getRange().start.line;
      const script = readableScript(doc, run, /\bgem\s/, skips);
      if (!script) continue;
      for (const cmd of script.commands()) {
        const install = gemInstallWord(cmd);
        if (!install || gemDecidesDocs(cmd)) continue;
        const at = script.toDoc(install.end);
        changes.push({ message: `add ${FLAG} to gem install`, line, edits: [{ start: at, end: at, text: ` ${FLAG}` }] });
      }
    }
    return { changes, skips };
  },
};
