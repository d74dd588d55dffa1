// What comes from the tree (file names, Dockerfile text in messages) never reaches an output raw: a control
// character could end a line and forge another (a diff hunk, a `dockmod:` error, a workflow command), and bidi
// controls make a name read differently from what it is. One rule, used by every line dockmod prints.

/** C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the bidi embedding, override and isolate controls. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

export const hasUnsafeCharacter = (text: string): boolean => UNSAFE.test(text);

/** git's escapes for the controls that have a name (quote.c); the others are written as octal bytes. */
const NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r' };

const octalBytes = (ch: string) => [...Buffer.from(ch, 'utf8')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');

/** `text` with every unsafe character written as git writes it in a quoted name (`\n`, `\033`, `\342\200\256`). */
export const escapeUnsafe = (text: string): string => text.replace(UNSAFE_ALL, (ch) => NAMED[ch] ?? octalBytes(ch));

/**
 * A file name as git prints it (C-quoting): unchanged when it holds no unsafe character, backslash or double
 * quote, else in double quotes with those escaped. `git apply` and `patch` read such names back.
 */
export function quoteName(name: string): string {
  if (!UNSAFE.test(name) && !/["\\]/.test(name)) return name;
  return `"${escapeUnsafe(name.replace(/["\\]/g, '\\$&'))}"`;
}

/**
 * `text` as a CommonMark code span, whatever backticks it holds: delimited by a backtick run longer than any in
 * it, and padded with a space on each side (which the span drops) when it starts or ends with a backtick, or with
 * spaces on both sides (which the span would drop).
 */
export function codeSpan(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = /^`|`$|^ [^]*[^ ][^]* $/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
