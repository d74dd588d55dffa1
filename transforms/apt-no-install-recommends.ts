// apt-no-install-recommends: apt installs every "Recommends" of the packages named as well, often hundreds of MB
// nobody asked for. `--no-install-recommends` installs what the package needs to work. Unsafe: a program may rely
// on a recommended package (a font, a CA bundle, a helper), so the image's contents change.
// Leaves alone an install that already decides (`--no-install-recommends`, `--install-recommends`,
// `-o APT::Install-Recommends=...`) and Dockerfiles that set `APT::Install-Recommends` in apt's configuration.
import type { BuiltinTransform, Change, Skip } from '../src/engine/types.js';
import { aptDecidesRecommends, aptInstallWord } from '../src/tools/packages.js';
import { readableScript } from '../src/tools/commands.js';

const FLAG = '--no-install-recommends';

export const aptNoInstallRecommends: BuiltinTransform = {
  id: 'apt-no-install-recommends',
  summary: 'add --no-install-recommends to apt-get install (changes what gets installed)',
  safety: 'unsafe',
  imageDifferences: { dpkgPackages: true },
  docs: 'docs/transforms/apt-no-install-recommends.md',
  trigger: { instructions: ['RUN'], tools: ['apt'] },
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    // apt.conf syntax (`APT::Install-Recommends "0";`), as written into /etc/apt/apt.conf.d by an earlier step.
    const configured = /APT::Install-Recommends\s+\\?["']/i.test(doc.text);
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN') continue;
      const line = run.getRange().start.line;
      const script = readableScript(doc, run, /\bapt(-get)?\s(.|\n)*\binstall\b/, skips);
      if (!script) continue;
      for (const cmd of script.commands()) {
        const install = aptInstallWord(cmd);
        if (!install || aptDecidesRecommends(cmd)) continue;
        if (configured) {
          skips.push({ line, reason: 'the Dockerfile sets APT::Install-Recommends in apt\'s configuration, which decides instead' });
          break;
        }
        const at = script.toDoc(install.end);
        changes.push({ message: `add ${FLAG} to \`${cmd.name} install\``, line, edits: [{ start: at, end: at, text: ` ${FLAG}` }] });
      }
    }
    return { changes, skips };
  },
};
