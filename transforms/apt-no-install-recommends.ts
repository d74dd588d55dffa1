// apt-no-install-recommends: apt installs every "Recommends" of the packages named as well, often hundreds of MB
// nobody asked for. `--no-install-recommends` installs what the package needs to work. Unsafe: a program may rely
// on a recommended package (a font, a CA bundle, a helper), so the image's contents change.
// Leaves alone an install that already decides (`--no-install-recommends`, `--install-recommends`,
// `-o APT::Install-Recommends=...`) and Dockerfiles that set `APT::Install-Recommends` in apt's configuration.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import type { Command } from '../src/engine/shell.js';
import { aptDecidesRecommends, aptInstallWord } from '../src/tools/vocabulary/apt.js';
import { eachReadableRun } from '../src/tools/commands.js';
import { insertAfter } from '../src/engine/run-edits.js';

const FLAG = '--no-install-recommends';
const installs = (cmd: Command): boolean => aptInstallWord(cmd) !== null;

export const aptNoInstallRecommends: BuiltinTransformModule = {
  id: 'apt-no-install-recommends',
  summary: 'add --no-install-recommends to apt-get install (changes what gets installed)',
  safety: 'unsafe',
  imageDifferences: { dpkgPackages: true },
  trigger: { instructions: ['RUN'], tools: ['apt'] },
  apply(doc) {
    // apt.conf syntax (`APT::Install-Recommends "0";`), as written into /etc/apt/apt.conf.d by an earlier step.
    const configured = /APT::Install-Recommends\s+\\?["']/i.test(doc.text);
    return eachReadableRun(doc, installs, (_run, script, findings) => {
      for (const cmd of script.commands()) {
        const install = aptInstallWord(cmd);
        if (!install || aptDecidesRecommends(cmd)) continue;
        if (configured) {
          findings.skip('the Dockerfile sets APT::Install-Recommends in apt\'s configuration, which decides instead');
          break;
        }
        findings.change(`add ${FLAG} to \`${cmd.name} install\``, [insertAfter(script, install, FLAG)]);
      }
    });
  },
};
