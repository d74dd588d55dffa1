// npm-ci: `npm install` resolves versions again and may rewrite package-lock.json; `npm ci` installs exactly what
// the lockfile says, fails when it does not match package.json, and is faster. Docker builds want the lockfile.
// Unsafe: a lockfile out of step with package.json now fails the build, and `npm ci` deletes node_modules first.
// Only `npm install` / `npm i` without package names (a project install) in a folder where an earlier COPY put
// both package.json and package-lock.json (or npm-shrinkwrap.json) from the build context. Refuses when the
// context is unknown, the working directory cannot be resolved, or the install asks for no lockfile.
import path from 'node:path';
import type { BuiltinTransformModule } from '../src/engine/types.js';
import type { Command } from '../src/engine/shell.js';
import { argValues, eachReadableRun } from '../src/tools/commands.js';
import { npmProjectInstallWord } from '../src/tools/vocabulary/npm.js';
import { contextFileAt } from '../src/contexts/context-files.js';
import { runWorkingDirectory } from '../src/engine/run-edits.js';

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];
const projectInstall = (cmd: Command): boolean => npmProjectInstallWord(cmd) !== null;

export const npmCi: BuiltinTransformModule = {
  id: 'npm-ci',
  summary: 'use npm ci instead of npm install where a lockfile is copied in (unsafe: fails on a stale lockfile)',
  safety: 'unsafe',
  imageDifferences: { paths: ['/**/package-lock.json'] },
  trigger: { instructions: ['RUN'], tools: ['npm'] },
  apply: (doc, ctx) =>
    eachReadableRun(doc, projectInstall, (run, script, findings) => {
      for (const cmd of script.commands()) {
        const install = npmProjectInstallWord(cmd);
        if (!install) continue;
        const refuse = (reason: string) => findings.skip(`\`npm ${install.value}\` stays: ${reason}`);
        if (argValues(cmd).some((a) => a !== null && /^--(no-package-lock|package-lock=false|save|no-save)/.test(a))) {
          refuse('its options decide about the lockfile');
          continue;
        }
        if (!ctx.context) {
          refuse('the build context is unknown, so the lockfile cannot be checked');
          continue;
        }
        const cwd = runWorkingDirectory(doc, run, script, cmd);
        if (cwd === null) {
          refuse('its working directory cannot be resolved');
          continue;
        }
        const manifest = contextFileAt(doc, run, path.posix.join(cwd, 'package.json'), ctx.context);
        const lockfile = LOCKFILES.map((f) => contextFileAt(doc, run, path.posix.join(cwd, f), ctx.context!)).find((f) => f !== null);
        const unsure = [manifest, lockfile].find((f): f is { unsure: string } => typeof f === 'object' && f !== null);
        if (unsure) {
          refuse(`it is not known what an earlier COPY puts into ${cwd}: ${unsure.unsure}`);
          continue;
        }
        if (typeof manifest !== 'string' || typeof lockfile !== 'string') {
          refuse(`no earlier COPY puts package.json and a lockfile from the build context into ${cwd}`);
          continue;
        }
        const start = script.toDoc(install.start);
        findings.change(`replace \`npm ${install.value}\` with \`npm ci\`: ${lockfile} is copied in`, [{ start, end: script.toDoc(install.end), text: 'ci' }], undefined, [{ kind: 'words', text: doc.text.slice(start, script.toDoc(install.end)) }]);
      }
    }),
};
