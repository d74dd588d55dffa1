// The shell-grammar rules behind the edits that append to, prefix or join RUN scripts.
import { describe, expect, it } from 'vitest';
import { ShellParses, ShellScript, losesFailureOfPrefix } from '../src/engine/shell.js';
import { lastCommandEnd } from '../src/engine/run-edits.js';

const script = (text: string) => new ShellScript(text, [{ shellStart: 0, docStart: 0, length: text.length }]);

/** The script with `&& x` put where lastCommandEnd says, or its refusal. */
function appended(text: string): string {
  const end = lastCommandEnd(script(text));
  return 'refuse' in end ? `refused: ${end.refuse}` : `${text.slice(0, end.at)} && x${text.slice(end.at)}`;
}

describe('lastCommandEnd', () => {
  it('ends a statement that ends in a heredoc on the line of its `<<`', () => {
    expect(appended("a\ncat > f <<'CONF'\nbody\nCONF\n")).toBe("a\ncat > f <<'CONF' && x\nbody\nCONF\n");
    expect(appended('cat <<A > f # note\nbody\nA\n')).toBe('cat <<A > f && x # note\nbody\nA\n');
    expect(appended('cat <<-A | tee f\n\tbody\n\tA\n')).toBe('cat <<-A | tee f && x\n\tbody\n\tA\n');
  });

  it('appends after a `||` list, a pipeline and before a `;`, as bash groups them', () => {
    expect(appended('a || true')).toBe('a || true && x');
    expect(appended('a | b;')).toBe('a | b && x;');
  });

  it('refuses a heredoc whose terminator it cannot match (tree-sitter-bash reads `<<A;` as the delimiter `A;`)', () => {
    expect(appended('cat <<A;\nbody\nA\n')).toBe('refused: the heredoc of its last command has no clear end');
  });

  it('refuses a background job and `exit`', () => {
    expect(appended('a &')).toBe('refused: the RUN ends with a background job');
    expect(appended('a; exit 0')).toBe('refused: the RUN ends with `exit`');
  });
});

describe('losesFailureOfPrefix', () => {
  it('keeps the failure of `x` in `x && <one && chain>`, whatever its steps are', () => {
    expect(losesFailureOfPrefix(script('a | b && ! c && { d || e; } && if f; then g; fi'))).toBeNull();
  });

  it('names what lets a later command decide', () => {
    expect(losesFailureOfPrefix(script('a || true'))).toBe('it has an `||` at its top level, which takes over after a failure');
    expect(losesFailureOfPrefix(script('a || b > log'))).toBe('it has an `||` at its top level, which takes over after a failure');
    expect(losesFailureOfPrefix(script('a && b || c > log && d'))).toBe('it has an `||` at its top level, which takes over after a failure');
    expect(losesFailureOfPrefix(script('set -e; a'))).toBe('it is more than one statement (`;` or lines), and the last one decides its status');
    expect(losesFailureOfPrefix(script('a && b &'))).toBe('it runs in the background (`&`)');
  });
});

describe('ShellScript.andChain', () => {
  it('is no plain chain when a redirect hides an `||` (`a || b > f` is `a || (b > f)` to bash)', () => {
    expect(script('a || b > f').andChain()).toBeNull();
    expect(script('a && b > f && c').andChain()!.map((s) => s.text)).toEqual(['a && b > f', 'c']);
  });
});

describe('ShellScript.errexitSteps', () => {
  const steps = (text: string) => script(text).errexitSteps()?.map((s) => s.text) ?? null;
  it('takes the statements after `set -e` as steps, and the last statement apart as a chain', () => {
    expect(steps('set -eux; a="$(apk --print-arch)"; b; c && d')).toEqual(['set -eux', 'a="$(apk --print-arch)"', 'b', 'c', 'd']);
    expect(steps('set -o errexit\na\nb')).toEqual(['set -o errexit', 'a', 'b']);
  });
  it('keeps a list that is not last whole: a failure inside it does not end the script', () => {
    expect(steps('set -e; a && b; c')).toEqual(['set -e', 'a && b', 'c']);
  });
  it('is null without errexit first, when a later `set` may turn it off, or with `&`', () => {
    expect(steps('a; set -e; b')).toBeNull();
    expect(steps('set -x; a; b')).toBeNull();
    expect(steps('set -- -e; a; b')).toBeNull();
    expect(steps('set -e; a; set +e; b')).toBeNull();
    expect(steps('set -e; a; if x; then set +e; fi; b')).toBeNull();
    expect(steps('set -e; a & b')).toBeNull();
  });
});

describe('ShellScript.commandsOfPieces', () => {
  it('reads the commands of a script that does not parse piece by piece, a failing piece taking out only itself', () => {
    const broken = script('apt-get update && pip install x; echo $( && npm ci | tee log');
    expect(broken.hasError).toBe(true);
    expect(broken.commandsOfPieces().map((c) => c.name)).toEqual(['apt-get', 'pip', 'echo', 'npm', 'tee']);
  });

  it('parses the pieces once for every ShellScript of the same parse (each transform asks again)', () => {
    const parses = new ShellParses();
    const text = 'a && b; c $(';
    const first = new ShellScript(text, [], parses);
    expect(new ShellScript(text, [], parses).commandsOfPieces()).toBe(first.commandsOfPieces());
    parses.free();
  });
});

describe('ShellScript.commands', () => {
  it('lists every command in source order, one that holds another before it', () => {
    const nested = script('X=$(id -u) $(which env) a "$(b <(c))" && for f in $(d); do e "$f"; done; cat <<A | f\n$(g)\nA\n');
    expect(nested.commands().map((c) => `${c.name}@${c.start}`)).toEqual(['id@4', 'which@13', 'b@29', 'c@33', 'd@52', 'e@59', 'cat@73', 'f@83', 'g@87']);
  });
});
