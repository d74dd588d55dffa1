// npm-yarn-cache-clean: npm and yarn keep every downloaded tarball in their cache (~/.npm, yarn's cache folder),
// inside the layer, where nothing uses it again. `npm cache clean --force` / `yarn cache clean` at the end of the
// RUN that installs keeps the layer to what was installed.
// Leaves alone a RUN whose cache mount holds the tool's cache (the cache mount profile) or that already cleans, and
// one whose cache the project install of a stage built from it reads (after split-copy-install's fetch in a base stage).
// Refuses yarn cache cleaning for Yarn 2+ (Berry), whose cache can be the installed packages themselves (Plug'n'Play),
// and when the build context is unknown, since then Berry cannot be ruled out.
import type { BuiltinTransformModule, BuildContext } from '../src/engine/types.js';
import type { Document } from '../src/engine/document.js';
import { ifBranchEnd, type Command } from '../src/engine/shell.js';
import { cacheMountHolds, cleansNodeCache, childStageReadsCache } from '../src/tools/packages.js';
import { isNpmInstall, npm } from '../src/tools/vocabulary/npm.js';
import { isYarnInstall, yarn } from '../src/tools/vocabulary/yarn.js';
import { appendToRun, insertAfter } from '../src/engine/run-edits.js';
import { eachReadableRun } from '../src/tools/commands.js';

const installs = (cmd: Command): boolean => isNpmInstall(cmd) || isYarnInstall(cmd);
/** `npm install -g x`, `yarn global add x`: a tool, not the project's dependencies. */
const isGlobalInstall = (cmd: Command): boolean => cmd.args.some((a) => a.value === '-g' || a.value === '--global' || a.value === 'global');

/** Why yarn's cache may be more than a cache here, or null when it is Yarn 1's plain download cache. */
function yarnBerryRisk(doc: Document, context: BuildContext | undefined): string | null {
  if (!context) return 'the build context is unknown, so Yarn 2+ (whose cache may hold the installed packages) cannot be ruled out';
  if (/\.yarnrc\.yml|yarn set version|corepack/.test(doc.text) || context.listFiles().some((f) => /(^|\/)\.yarnrc\.yml$/.test(f))) {
    return 'the project uses Yarn 2+ (.yarnrc.yml or corepack), whose cache may hold the installed packages';
  }
  const pkg = context.readFile('package.json');
  if (pkg && /"packageManager"\s*:\s*"yarn@([2-9]|\d\d)/.test(pkg)) return 'package.json asks for Yarn 2+ (packageManager), whose cache may hold the installed packages';
  return null;
}

export const npmYarnCacheClean: BuiltinTransformModule = {
  id: 'npm-yarn-cache-clean',
  summary: 'clean the npm/yarn cache after installs',
  safety: 'safe',
  imageDifferences: { paths: ['/**/.npm/_cacache/**', '/**/.cache/yarn/**'] },
  trigger: { instructions: ['RUN'], tools: ['npm', 'yarn'] },
  apply: (doc, ctx) =>
    eachReadableRun(doc, installs, (run, script, findings) => {
      const commands = script.commands();
      // A RUN that installs nothing leaves no cache to clean, nor to keep.
      if (!commands.some(installs) || commands.some(cleansNodeCache)) return;
      // A stage built from this one installs the project (not `-g`) again: the cache holds its downloads, and a
      // clean here would empty it of what an earlier install of this stage put there too.
      const reader = childStageReadsCache(doc, run, (c) => installs(c) && !isGlobalInstall(c));
      if (reader) return findings.skip(`the package cache is left in place: ${doc.quote(reader)} installs again and finds its downloads there`);
      const cleanUps: string[] = [];
      if (commands.some(isNpmInstall) && !cacheMountHolds(doc, run, 'npm')) cleanUps.push(npm.cleanup!);
      if (commands.some(isYarnInstall) && !cacheMountHolds(doc, run, 'yarn')) {
        const risk = yarnBerryRisk(doc, ctx.context);
        if (risk) findings.skip(`yarn's cache is left in place: ${risk}`);
        else cleanUps.push(yarn.cleanup!);
      }
      if (!cleanUps.length) return;
      // Under an `if`, the clean goes at the end of the install's branch: after the `fi` it would run npm in a
      // build that installed nothing, and npm writes its logs in ~/.npm.
      const branches = new Set(commands.filter(installs).map((c) => ifBranchEnd(c.node)));
      if (branches.size > 1 || branches.has('nested')) return findings.skip('the package cache is left in place: the installs run under conditions that a clean at one place would not follow');
      const [branchEnd] = branches;
      const edit = typeof branchEnd === 'number' ? insertAfter(script, { end: branchEnd }, `&& ${cleanUps.join(' && ')}`) : appendToRun(doc, run, cleanUps.join(' && '));
      if ('refuse' in edit) findings.skip(`${edit.refuse}, so the package cache is left in place`);
      else findings.change(`add \`${cleanUps.join(' && ')}\` at the end of ${typeof branchEnd === 'number' ? "the install's `if` branch in " : ''}${doc.quote(run)}`, [edit]);
    }),
};
