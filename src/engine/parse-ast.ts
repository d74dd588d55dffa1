// dockerfile-ast without its repeated scans. Building an instruction, the library works out its arguments (the
// private Instruction.getRawArguments, a character-by-character scan with a position lookup per argument) four or
// five times: for its flags, the arguments' range and content, JSON form and heredocs; and again on each later
// lookup. That was about a fifth of dockmod's CPU over a monorepo.
// While ArgumentScans.run runs, and only then, the scan answers from its first result for each instruction, with
// fresh copies, so every caller gets what a new scan would give it (the library shifts and mutates what it gets).
// The prototype is put back before run returns or throws, so no other code ever sees the change: run is
// synchronous, and worker threads have their own copy of the library. The version of dockerfile-ast is pinned;
// test/parse-ast.test.ts checks over the corpus and the fixtures that the parse is the library's own.
import { Argument, DockerfileParser, Instruction } from 'dockerfile-ast';
import type { Dockerfile } from 'dockerfile-ast';

type Scan = (this: Instruction) => Argument[];
const prototype = Instruction.prototype as unknown as { getRawArguments: Scan };

// Written out, not spread: the library asks for every instruction's arguments again and again.
const copy = (arg: Argument): Argument => {
  const { start, end } = arg.getRange();
  return new Argument(arg.getValue(), { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } });
};

/** The argument scans of one document's instructions, kept for its parse and its later lookups. */
export class ArgumentScans {
  private readonly scanned = new Map<Instruction, Argument[]>();

  /** Runs `read` (a parse, or lookups on the instructions it made) with each instruction scanned once. */
  run<T>(read: () => T): T {
    const scan = prototype.getRawArguments;
    const scanned = this.scanned;
    prototype.getRawArguments = function (this: Instruction) {
      let args = scanned.get(this);
      if (!args) scanned.set(this, (args = scan.call(this)));
      return args.map(copy);
    };
    try {
      return read();
    } finally {
      prototype.getRawArguments = scan;
    }
  }

  parse(text: string): Dockerfile {
    return this.run(() => DockerfileParser.parse(text));
  }
}
