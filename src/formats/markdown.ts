// `--format markdown`: a pull-request comment. A summary table, then per finding (the lines one or more changes
// rewrite) the changes with why they help, and a ```suggestion block holding exactly the new text of those lines:
// posted as a review comment on those lines, GitHub offers to apply it. Files the rewrite also writes are shown
// as diffs; held-back unsafe changes, skips and errors follow in short lists. A built-in transform's name links
// its docs page wherever it appears.
import { unifiedDiff } from './output.js';
import { codeSpan, escapeUnsafe } from '../engine/escape.js';
import { isChanged } from '../engine/report.js';
import { findings, locate, relativePath, transformDocs, withoutEol, type FormatInput } from './findings.js';

/** A code fence longer than any run of backticks in the text, so the text cannot close it. */
function fenced(info: string, text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${fence}`;
}

// Text from the tree (names, messages, the Dockerfile text they quote) must render as the text it is: no link,
// image, HTML or emphasis of its own, no way out of its code span, table cell or <details>.

/** Plain text with the characters that could start inline markup backslash-escaped (CommonMark allows it for any ASCII punctuation). */
const escapeText = (text: string) =>
  escapeUnsafe(text)
    .replace(/[\\`*_[\]<>&~$@]/g, '\\$&')
    // GFM's extended autolinks: a scheme's `://` and `www.`.
    .replace(/:(?=\/\/)/g, '\\:')
    .replace(/\b(www)\./gi, '$1\\.');

/** A name or other text from the tree as code: a code span, whatever backticks it holds. */
const code = (text: string) => codeSpan(escapeUnsafe(text).replace(/\r?\n/g, ' '));

/**
 * A message: its code spans (CommonMark's rule: a backtick run closes at the next run of the same length) kept as
 * code, the text around them escaped.
 */
function inline(message: string): string {
  const runs = [...message.matchAll(/`+/g)];
  let out = '';
  let at = 0;
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i]!;
    const closing = runs.findIndex((run, j) => j > i && run[0].length === open[0].length);
    // A run with no partner is a literal backtick.
    if (closing < 0) continue;
    const close = runs[closing]!;
    const content = message.slice(open.index + open[0].length, close.index);
    out += escapeText(message.slice(at, open.index)) + code(/^ [^]*[^ ][^]* $/.test(content) ? content.slice(1, -1) : content);
    at = close.index + close[0].length;
    i = closing;
  }
  return out + escapeText(message.slice(at));
}

/**
 * A link around rendered text. The URL is dockmod's own (src/formats/docs-links.ts), whose serialisation
 * percent-encodes spaces and `<` `>`, so it holds as a `<...>` destination whatever parentheses it has.
 */
const link = (text: string, url: string | undefined) => (url === undefined ? text : `[${text}](<${url}>)`);

/** A table cell: a `|` would end it, even inside a code span (GFM), and a line break would end the row. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const lines = (start: number, end: number) => (start === end ? `line ${start}` : `lines ${start}–${end}`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The files a run changes (or would), and their changes' count. */
function changedFiles(input: FormatInput) {
  const changed = input.files.filter(isChanged);
  return { changed, changeCount: changed.reduce((n, f) => n + f.changes.length, 0) };
}

export function formatMarkdown(input: FormatInput): string {
  const { cwd } = input;
  const transform = (id: string) => link(code(id), transformDocs(id, input)?.url);
  const { changed, changeCount } = changedFiles(input);
  const out: string[] = ['## dockmod', ''];
  const tally = `${changed.length} of ${plural(input.files.length, 'Dockerfile')} (${plural(changeCount, 'change')})`;
  out.push(
    !changed.length
      ? `dockmod has nothing to change in ${plural(input.files.length, 'Dockerfile')}.`
      : input.written
        ? `dockmod changed ${tally}.`
        : `dockmod would change ${tally}. Run \`dockmod --write\` to apply them all.`,
    '',
  );
  if (changeCount) {
    out.push('| File | Lines | Transform | Safety | Change |', '| --- | --- | --- | --- | --- |');
    for (const f of changed) {
      for (const { change: c, finding: at } of locate(f)) {
        out.push(`| ${cell(code(relativePath(f.file, cwd)))} | ${at ? `${at.start}${at.end > at.start ? `–${at.end}` : ''}` : c.line} | ${cell(transform(c.transform))} | ${c.safety} | ${cell(inline(c.message))} |`);
      }
    }
    out.push('');
  }
  for (const f of changed) {
    const file = code(relativePath(f.file, cwd));
    for (const finding of findings(f)) {
      out.push(`### ${file}, ${lines(finding.start, finding.end)}`, '');
      for (const c of finding.changes) {
        // A summary is a transform's text, as its messages are, and a custom transform's comes from the tree.
        const why = Object.hasOwn(f.summaries, c.transform) ? f.summaries[c.transform] : undefined;
        out.push(`- **${transform(c.transform)}** (${c.safety}): ${inline(c.message)}${why ? `  \n  Why: ${inline(why)}.` : ''}`);
      }
      if (!finding.changes.length) out.push('- dockmod rewrites these lines as part of the changes above.');
      out.push('', fenced('suggestion', finding.replacement.map((l) => `${withoutEol(l)}\n`).join('')), '');
    }
    for (const e of f.extra.filter((x) => x.before !== x.after)) {
      out.push(`The rewrite of ${file} also ${e.before === undefined ? 'creates' : 'modifies'} ${code(relativePath(e.file, cwd))}:`, '');
      out.push(fenced('diff', unifiedDiff(e.file, e.before, e.after, cwd)), '');
    }
  }
  // The summary line is HTML, where a code span is not markdown: `<code>`.
  const section = (title: string, items: string[]) => {
    if (items.length) out.push('<details>', `<summary>${title}</summary>`, '', ...items.map((i) => `- ${i}`), '', '</details>', '');
  };
  const heldBack = input.files.flatMap((f) => f.heldBack.map((h) => `${code(relativePath(f.file, cwd))} line ${h.line}, ${transform(h.transform)}: ${inline(h.message)}`));
  section(`${plural(heldBack.length, 'unsafe change')} held back (<code>--unsafe</code> applies ${heldBack.length === 1 ? 'it' : 'them'})`, heldBack);
  const skips = input.files.flatMap((f) => f.skips.map((s) => `${code(relativePath(f.file, cwd))} line ${s.line}, ${transform(s.transform)}: ${inline(s.reason)}`));
  section(`${plural(skips.length, 'skip')}: where dockmod chose to leave a file alone, and why`, skips);
  if (input.errors.length) {
    out.push('**Errors**', '', ...input.errors.map((e) => `- ${code(relativePath(e.file, cwd))}: ${inline(e.message)}`), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * `--summary-file`: a pull request's title on the first line, a blank line, then the markdown report as its body;
 * the shape of a commit message (multi-gitter --manual-commit takes a PR from it) and of turbolift's description
 * file. The title is plain text: names from the tree stay out of it.
 */
export function formatPullRequest(input: FormatInput): string {
  const { changed, changeCount } = changedFiles(input);
  const title = changed.length
    ? `dockmod: ${plural(changeCount, 'change')} in ${plural(changed.length, 'Dockerfile')}`
    : `dockmod: nothing to change in ${plural(input.files.length, 'Dockerfile')}`;
  return `${title}\n\n${formatMarkdown(input)}`;
}
