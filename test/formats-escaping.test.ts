// Text from the tree (file names, Dockerfile text quoted in messages, error messages) must stay inside its field in
// every report format: the markdown comment is rendered with a CommonMark + GFM renderer and must hold no element
// dockmod's template did not put there; workflow commands stay one line each; SARIF locations are relative URIs.
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { optimize } from '../src/index.js';
import { memoryContext } from '../src/contexts/context.js';
import { renderReport, type FormatInput } from '../src/formats/index.js';
import type { FileReport } from '../src/engine/report.js';
import { hasUnsafeCharacter } from '../src/engine/escape.js';

const cwd = '/repo';
/** Markup that would be live if it escaped its field. */
const HOSTILE = '`</details><img src=x>[l](http://e.io)|*b*';
/** The same, for fields that are not shortened (names, error messages). */
const LONG_HOSTILE = `${HOSTILE} @team www.evil.example <b>x</b> &amp; _u_ ~~s~~`;

/** A real run over a Dockerfile whose quoted text is hostile, filed under a hostile name. */
function hostileFile(name: string): FileReport {
  const text = [
    'FROM ubuntu:22.04',
    'RUN apt-get update',
    `RUN echo '${HOSTILE}'`,
    `RUN echo '${HOSTILE}' && apt-get update && apt-get install -y curl`,
    'COPY . .',
    'RUN pip install flask',
    '',
  ].join('\n');
  const r = optimize(text, { context: memoryContext({}) });
  // The summaries a custom transform from the tree could give, which the markdown report shows as each change's why.
  const summaries = Object.fromEntries([...r.changes, ...r.heldBack].map((c) => [c.transform, `from the tree: ${LONG_HOSTILE}`]));
  return { file: path.join(cwd, name, 'Dockerfile'), before: text, after: r.text, extra: [], changes: r.changes, skips: r.skips, heldBack: r.heldBack, refused: [], summaries, docs: {} };
}

function hostileInput(): FormatInput {
  const name = 'we`ird | </details> [x](http://evil.example) <img src=y>';
  const file = hostileFile(name);
  return {
    files: [file],
    errors: [{ file: path.join(cwd, 'bad\n</details>\n<img src=z>', 'Dockerfile'), message: `unknown instruction '${LONG_HOSTILE}'\n- forged item` }],
    cwd,
    version: '1.2.3',
  };
}

const md = new MarkdownIt({ html: true, linkify: true });
const tags = (html: string, tag: string) => (html.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? []).length;

describe('markdown', () => {
  const input = hostileInput();
  const html = md.render(renderReport('markdown', input));
  const file = input.files[0]!;

  it('holds a real case: changes, held-back changes and skips that quote the hostile text', () => {
    expect(file.changes.some((c) => c.message.includes('</details>'))).toBe(true);
    expect(file.heldBack.length).toBeGreaterThan(0);
    expect(file.skips.some((s) => s.reason.includes('</details>'))).toBe(true);
  });

  it('renders no link, image or HTML element from the tree', () => {
    expect(tags(html, 'a')).toBe(0);
    expect(tags(html, 'img')).toBe(0);
    expect(tags(html, 'b')).toBe(0);
    expect(tags(html, 'em')).toBe(0);
    expect(tags(html, 's')).toBe(0);
    // The transform of each change, and the Errors heading.
    expect(tags(html, 'strong')).toBe(file.changes.length + 1);
  });

  it('keeps the two <details> sections it opens, and nothing from the tree closes them early', () => {
    expect(tags(html, 'details')).toBe(2);
    expect((html.match(/<\/details>/g) ?? []).length).toBe(2);
    const [heldBack, skips] = html.split('<details>').slice(1);
    expect(heldBack!.split('</details>')[0]).toContain(`<li><code>we\`ird | &lt;/details&gt; [x](http:/evil.example) &lt;img src=y&gt;/Dockerfile</code> line`);
    expect(skips!.split('</details>')[0].match(/<li>/g)).toHaveLength(file.skips.length);
  });

  it('keeps the table to one row of five cells per change', () => {
    const rows = html.split('<tbody>')[1]!.split('</tbody>')[0]!.match(/<tr>[^]*?<\/tr>/g)!;
    expect(rows).toHaveLength(file.changes.length);
    for (const row of rows) expect(row.match(/<td>/g)).toHaveLength(5);
  });

  it('shows the quoted Dockerfile text as code, exactly', () => {
    const quoted = file.changes.find((c) => c.message.includes('</details>'))!;
    const excerpt = `${`RUN echo '${HOSTILE}' && apt-get update && apt-get install -y curl`.slice(0, 57).trimEnd()}...`;
    expect(quoted.message).toContain(excerpt);
    const escaped = md.utils.escapeHtml(excerpt);
    // In the table and in the finding's list item alike.
    expect(html.split(`<code>${escaped}</code>`).length - 1).toBe(2);
  });

  it('an error name with line breaks stays in its list item, its text escaped', () => {
    const errors = html.split('<strong>Errors</strong>')[1]!;
    expect(errors.match(/<li>/g)).toHaveLength(1);
    expect(errors).toContain('<li><code>bad\\n&lt;/details&gt;\\n&lt;img src=z&gt;/Dockerfile</code>: unknown instruction');
  });
});

describe('github workflow commands', () => {
  it('are one line each, and no control character of a message or name reaches the log raw', () => {
    const input = hostileInput();
    input.errors.push({ file: path.join(cwd, 'e\u2028::error::x', 'Dockerfile'), message: 'a\u2028::error file=x::forged\x1b[2J\u202e' });
    const out = renderReport('github', input);
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    const lines = out.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^::(warning|notice|error) file=[^:,]+(,[a-zA-Z]+=[^:,]+)*::/);
    expect(lines.at(-1)).toBe('::error file=e\\342\\200\\250%3A%3Aerror%3A%3Ax/Dockerfile,title=dockmod::a\\342\\200\\250::error file=x::forged\\033[2J\\342\\200\\256');
  });
});

describe('sarif', () => {
  it('gives every artifact location as a relative URI reference: a first segment with ":" is no scheme, "#" and "?" are no fragment or query', () => {
    const a = hostileFile('a::b');
    const b = hostileFile('x#y?z');
    const log = JSON.parse(renderReport('sarif', { files: [a, b], errors: [{ file: path.join(cwd, 'c:d', 'Dockerfile'), message: 'bad' }], cwd, version: '1.2.3' }));
    const uris = new Set<string>(JSON.stringify(log).match(/"uri":"[^"]*"/g)!.map((m: string) => m.slice(7, -1)));
    expect([...uris].sort()).toEqual(['a%3A%3Ab/Dockerfile', 'c%3Ad/Dockerfile', 'x%23y%3Fz/Dockerfile']);
    for (const uri of uris) expect(new URL(uri, 'file:///repo/').pathname).toMatch(/^\/repo\//);
  });
});

describe('codeclimate', () => {
  it('keeps each description on one line, writes control characters of paths and messages as git does, and gives no path that climbs out of the folder dockmod ran in', () => {
    const input = hostileInput();
    input.files.push(hostileFile('../outside'), hostileFile('a..b'));
    input.errors.push({ file: path.join(cwd, 'e\u2028x\u202e', 'Dockerfile'), message: 'a\u2028forged\x1b[2J' });
    const issues = JSON.parse(renderReport('codeclimate', input)) as { description: string; location: { path: string } }[];
    for (const issue of issues) {
      expect(hasUnsafeCharacter(issue.description), issue.description).toBe(false);
      expect(hasUnsafeCharacter(issue.location.path), issue.location.path).toBe(false);
    }
    expect([...new Set(issues.map((i) => i.location.path))]).toEqual([
      // path.join folds the name's `//`.
      'we`ird | </details> [x](http:/evil.example) <img src=y>/Dockerfile',
      '%2E%2E/outside/Dockerfile',
      'a..b/Dockerfile',
      'bad\\n</details>\\n<img src=z>/Dockerfile',
      'e\\342\\200\\250x\\342\\200\\256/Dockerfile',
    ]);
    expect(issues.at(-1)!.description).toBe('a\\342\\200\\250forged\\033[2J');
    expect(issues.at(-2)!.description).toBe(`unknown instruction '${LONG_HOSTILE}'\\n- forged item`);
  });
});
