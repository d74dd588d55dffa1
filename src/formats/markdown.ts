// `--format markdown`: a pull-request comment. A summary table, then per finding (the lines one or more changes
// rewrite) the changes with why they help, and a ```suggestion block holding exactly the new text of those lines:
// posted as a review comment on those lines, GitHub offers to apply it. Files the rewrite also writes are shown
// as diffs; held-back unsafe changes, skips and errors follow in short lists.
import { unifiedDiff } from '../output.js';
import { findings, isChanged, locate, relativePath, transformSummary, withoutEol, type FormatInput } from './findings.js';

/** A code fence longer than any run of backticks in the text, so the text cannot close it. */
function fenced(info: string, text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${fence}`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const lines = (start: number, end: number) => (start === end ? `line ${start}` : `lines ${start}–${end}`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatMarkdown(input: FormatInput): string {
  const { cwd } = input;
  const changed = input.files.filter(isChanged);
  const changeCount = changed.reduce((n, f) => n + f.changes.length, 0);
  const out: string[] = ['## dockmod', ''];
  out.push(
    changed.length
      ? `dockmod would change ${changed.length} of ${plural(input.files.length, 'Dockerfile')} (${plural(changeCount, 'change')}). Run \`dockmod --write\` to apply them all.`
      : `dockmod has nothing to change in ${plural(input.files.length, 'Dockerfile')}.`,
    '',
  );
  if (changeCount) {
    out.push('| File | Lines | Transform | Safety | Change |', '| --- | --- | --- | --- | --- |');
    for (const f of changed) {
      for (const { change: c, finding: at } of locate(f)) {
        out.push(`| \`${cell(relativePath(f.file, cwd))}\` | ${at ? `${at.start}${at.end > at.start ? `–${at.end}` : ''}` : c.line} | \`${c.transform}\` | ${c.safety} | ${cell(c.message)} |`);
      }
    }
    out.push('');
  }
  for (const f of changed) {
    const file = relativePath(f.file, cwd);
    for (const finding of findings(f)) {
      out.push(`### \`${file}\`, ${lines(finding.start, finding.end)}`, '');
      for (const c of finding.changes) {
        const why = transformSummary(c.transform);
        out.push(`- **\`${c.transform}\`** (${c.safety}): ${c.message}${why ? `  \n  Why: ${why}.` : ''}`);
      }
      if (!finding.changes.length) out.push('- dockmod rewrites these lines as part of the changes above.');
      out.push('', fenced('suggestion', finding.replacement.map((l) => `${withoutEol(l)}\n`).join('')), '');
    }
    for (const e of f.extra.filter((x) => x.before !== x.after)) {
      const other = relativePath(e.file, cwd);
      out.push(`The rewrite of \`${file}\` also ${e.before === undefined ? 'creates' : 'modifies'} \`${other}\`:`, '');
      out.push(fenced('diff', unifiedDiff(e.file, e.before, e.after, cwd)), '');
    }
  }
  const section = (title: string, items: string[]) => {
    if (items.length) out.push('<details>', `<summary>${title}</summary>`, '', ...items.map((i) => `- ${i}`), '', '</details>', '');
  };
  const heldBack = input.files.flatMap((f) => f.heldBack.map((h) => `\`${relativePath(f.file, cwd)}\` line ${h.line}, \`${h.transform}\`: ${h.message}`));
  section(`${plural(heldBack.length, 'unsafe change')} held back (\`--unsafe\` applies ${heldBack.length === 1 ? 'it' : 'them'})`, heldBack);
  const skips = input.files.flatMap((f) => f.skips.map((s) => `\`${relativePath(f.file, cwd)}\` line ${s.line}, \`${s.transform}\`: ${s.reason}`));
  section(`${plural(skips.length, 'skip')}: where dockmod chose to leave a file alone, and why`, skips);
  if (input.errors.length) {
    out.push('**Errors**', '', ...input.errors.map((e) => `- \`${relativePath(e.file, cwd)}\`: ${e.message}`), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
