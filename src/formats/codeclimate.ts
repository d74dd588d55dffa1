// `--format codeclimate`: GitLab's code quality report (`artifacts:reports:codequality`), a JSON array of Code
// Climate issues: one per change (on its finding's lines), held-back unsafe change, skip and file dockmod could not
// process. GitLab shows each issue's description at location.path and location.lines.begin in the merge request,
// and tells the issues a merge request adds or resolves by their fingerprints, so a fingerprint names the issue,
// not where it is (see `fingerprint` below). The shape is the subset GitLab reads plus what the Code Climate spec
// requires (type, categories, lines.end); test/schemas/codeclimate-issues.schema.json holds it.
import { createHash } from 'node:crypto';
import { escapeUnsafe } from '../engine/escape.js';
import type { FileReport } from '../engine/report.js';
import { docsHelp, locate, otherFilesNote, relativePath, splitLines, transformDocs, withDocsLink, type FormatInput } from './findings.js';

/** Code Climate's severities, lowest first. */
type Severity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';
/** Code Climate's categories. */
type Category = 'Bug Risk' | 'Clarity' | 'Compatibility' | 'Complexity' | 'Duplication' | 'Performance' | 'Security' | 'Style';
type Kind = 'change' | 'heldBack' | 'skip' | 'error';

/**
 * The severity of each kind of issue (docs/formats.md says why): a change dockmod makes is minor (the image builds
 * either way, slower or bigger); a held-back unsafe change and a skip are info (a choice for the reader, and why
 * dockmod left a step alone); a file dockmod could not process is major, above every change, since nothing in it
 * was checked.
 */
const SEVERITY: Record<Kind, Severity> = { change: 'minor', heldBack: 'info', skip: 'info', error: 'major' };

/** The nature of each built-in transform's changes; test/formats.test.ts holds the list to the registry. */
export const CATEGORIES: Readonly<Record<string, Category>> = {
  'add-to-copy': 'Clarity',
  'maintainer-to-label': 'Compatibility',
  'env-key-equals-value': 'Compatibility',
  'from-as-casing': 'Style',
  'split-copy-install': 'Performance',
  'reorder-for-cache': 'Performance',
  'merge-apt-update': 'Bug Risk',
  'merge-runs': 'Performance',
  'buildkit-cache-mounts': 'Performance',
  'apt-get-yes': 'Bug Risk',
  'apt-no-install-recommends': 'Performance',
  'apt-lists-cleanup': 'Performance',
  'apk-no-cache': 'Performance',
  'yum-dnf-zypper-clean': 'Performance',
  'dnf-no-weak-deps': 'Performance',
  'pip-no-cache-dir': 'Performance',
  'npm-ci': 'Bug Risk',
  'npm-yarn-cache-clean': 'Performance',
  'gem-no-document': 'Performance',
  'exec-form-cmd': 'Bug Risk',
};
/** A custom transform declares no category: dockmod's own purpose, faster builds and smaller images. */
const CUSTOM_CATEGORY: Category = 'Performance';
/** The check of a file dockmod could not process; a transform id cannot hold a `/`. */
const ERROR_CHECK = 'dockmod/error';

interface Issue {
  type: 'issue';
  check_name: string;
  description: string;
  content?: { body: string };
  categories: Category[];
  location: { path: string; lines: { begin: number; end: number } };
  severity: Severity;
  fingerprint: string;
  engine_name: 'dockmod';
}

/**
 * location.path: relative to the folder dockmod ran in (the project's root in a GitLab job), control characters
 * written as on every dockmod line. GitLab joins the path to the commit's blob URL, so the `..` of a file outside
 * that folder is percent-encoded: the link then finds no file instead of climbing to another page.
 */
const issuePath = (file: string, cwd: string) =>
  relativePath(file, cwd).split('/').map((segment) => (segment === '..' ? '%2E%2E' : escapeUnsafe(segment))).join('/');

/** An issue before its fingerprint: `identity` is what tells it from the file's other issues wherever its lines are. */
interface Draft {
  issue: Omit<Issue, 'fingerprint'>;
  identity: string;
}

function fileDrafts(f: FileReport, input: FormatInput): Draft[] {
  const path = issuePath(f.file, input.cwd);
  const lines = splitLines(f.before);
  // The text of the lines an issue concerns, without whitespace (Code Climate's default fingerprint reads the same).
  const source = (spans: { start: number; end: number }[]) =>
    spans.map((s) => lines.slice(s.start - 1, s.end).join('')).join('').replace(/\s+/g, '');
  let note = otherFilesNote(f, input.cwd);
  const draft = (kind: Kind, transform: string, text: string, begin: number, end: number, spans: { start: number; end: number }[]): Draft => {
    const docs = transformDocs(transform, input);
    return {
      issue: {
        type: 'issue',
        check_name: transform,
        description: escapeUnsafe(withDocsLink(text, docs)),
        ...(docs && { content: { body: docsHelp(docs).markdown } }),
        categories: [Object.hasOwn(CATEGORIES, transform) ? CATEGORIES[transform]! : CUSTOM_CATEGORY],
        location: { path, lines: { begin, end } },
        severity: SEVERITY[kind],
        engine_name: 'dockmod',
      },
      identity: JSON.stringify([kind, path, transform, source(spans)]),
    };
  };
  const ownLine = (line: number) => [{ start: line, end: line }];
  const changes = locate(f).map(({ change, finding }) => {
    const message = note ? `${change.message} (the rewrite also ${note})` : change.message;
    note = undefined;
    const spans = change.edited.length ? change.edited : ownLine(change.line);
    return draft('change', change.transform, message, finding?.start ?? change.line, finding?.end ?? change.line, spans);
  });
  const heldBack = f.heldBack.map((h) =>
    draft('heldBack', h.transform, `${h.message} (unsafe, held back: --unsafe applies it)`, h.line, h.line, h.edited.length ? h.edited : ownLine(h.line)));
  const skips = f.skips.map((s) => draft('skip', s.transform, `left as it is: ${s.reason}`, s.line, s.line, ownLine(s.line)));
  return [...changes, ...heldBack, ...skips];
}

/**
 * A fingerprint GitLab can compare between two pipelines: a hash of the issue's kind, file, check and the text of
 * its lines (no line number, no message, which quotes line numbers), and of how many issues of the same identity
 * come before it in the file, so that equal lines stay distinct issues.
 */
function fingerprinted(drafts: Draft[]): Issue[] {
  const seen = new Map<string, number>();
  return drafts.map(({ issue, identity }) => {
    const occurrence = seen.get(identity) ?? 0;
    seen.set(identity, occurrence + 1);
    const fingerprint = createHash('sha256').update(`${identity}\n${occurrence}`).digest('hex').slice(0, 32);
    return { ...issue, fingerprint };
  });
}

export function formatCodeclimate(input: FormatInput): string {
  const issues = input.files.flatMap((f) => fingerprinted(fileDrafts(f, input)));
  const errors = fingerprinted(
    input.errors.map((e) => {
      const path = issuePath(e.file, input.cwd);
      const issue: Omit<Issue, 'fingerprint'> = {
        type: 'issue',
        check_name: ERROR_CHECK,
        description: escapeUnsafe(e.message),
        categories: ['Bug Risk'],
        location: { path, lines: { begin: 1, end: 1 } },
        severity: SEVERITY.error,
        engine_name: 'dockmod',
      };
      return { issue, identity: JSON.stringify(['error', path, e.message]) };
    }),
  );
  return `${JSON.stringify([...issues, ...errors], null, 2)}\n`;
}
