// Every option of every command that takes a value takes one, and never the path after it: the definitions are
// read from src/cli.ts as yargs receives them (a new option is covered as soon as it is declared), and the command
// lines are parsed by the real yargs, with each command's handler replaced by one that records what it was given.
import fs from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dockmod, tempTree } from './support/cli.js';

interface OptionDefinition {
  type?: string;
  array?: boolean;
  choices?: readonly string[];
}
type Argv = Record<string, unknown>;

/** Per command word ('' for the default command): its positional and its options, as declared. */
const declared = new Map<string, { positional: string; options: Map<string, OptionDefinition> }>();
let handled: { word: string; argv: Argv } | undefined;

/** The command word of a yargs command string: `'explain <dockerfile>'` → 'explain', `'$0 [paths..]'` → ''. */
const wordOf = (command: string) => (command.startsWith('$0') ? '' : command.split(' ')[0]!);

vi.mock('yargs', async (importOriginal) => {
  const real = ((await importOriginal()) as { default: (args: string[]) => Record<string, (...a: unknown[]) => unknown> }).default;
  return {
    default: (args: string[]) => {
      const y = real(args);
      const command = y.command!.bind(y);
      y.command = (name: unknown, description: unknown, builder: unknown) => {
        const word = wordOf(name as string);
        const record = (inner: Record<string, (...a: unknown[]) => unknown>) => {
          const entry = { positional: '', options: new Map<string, OptionDefinition>() };
          declared.set(word, entry);
          const [option, positional] = [inner.option!.bind(inner), inner.positional!.bind(inner)];
          // yargs declares a positional through option() too: that one is the positional, not an option.
          inner.option = (key: unknown, definition: unknown) => (key !== entry.positional && entry.options.set(key as string, definition as OptionDefinition), option(key, definition));
          inner.positional = (key: unknown, definition: unknown) => ((entry.positional = key as string), positional(key, definition));
          return (builder as (y: unknown) => unknown)(inner);
        };
        return command(name, description, record, (argv: Argv) => void (handled = { word, argv }));
      };
      return y;
    },
  };
});

/** What the command line parses into: the command word and the arguments its handler gets. */
async function parse(args: string[]): Promise<{ word: string; argv: Argv }> {
  const [argv, exit] = [process.argv, process.exit];
  process.argv = [process.execPath, 'dockmod', ...args];
  process.exit = ((code?: number) => {
    throw new Error(`exit ${code}`);
  }) as typeof process.exit;
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  handled = undefined;
  try {
    vi.resetModules();
    await import('../src/cli.js').catch((error: Error) => {
      throw new Error(`${args.join(' ')}: ${String(stderr.mock.calls.map((c) => c[0]).join(''))}${error.message}`);
    });
  } finally {
    [process.argv, process.exit] = [argv, exit];
    stderr.mockRestore();
    process.exitCode = undefined;
  }
  if (!handled) throw new Error(`${args.join(' ')}: no command ran`);
  return handled;
}

/** A value the option accepts: its first choice, a number, or a word. */
const sampleValue = (definition: OptionDefinition, n: number) => (definition.choices ? definition.choices[n % definition.choices.length]! : definition.type === 'number' ? String(n + 1) : `value-${n}`);
const takesValue = (definition: OptionDefinition) => definition.type !== 'boolean';
/** A value as the handler sees it: yargs turns numbers into numbers. */
const parsed = (definition: OptionDefinition, value: string) => (definition.type === 'number' ? Number(value) : value);

const COMMAND_WORDS = ['', 'explain', 'verify'];

beforeAll(async () => {
  // A run of each command makes yargs call its builder, where the options are declared.
  for (const word of COMMAND_WORDS) await parse([...(word ? [word] : []), '--unsafe', 'Dockerfile']);
});

describe('options that take a value', () => {
  it('are declared by every command', () => {
    expect([...declared.keys()].sort()).toEqual(COMMAND_WORDS);
    for (const word of COMMAND_WORDS) expect([...declared.get(word)!.options.values()].some(takesValue)).toBe(true);
  });

  it('take one value each, before the path, and leave the path to the command', async () => {
    for (const [word, { positional, options }] of declared) {
      for (const [name, definition] of options) {
        if (!takesValue(definition)) continue;
        const value = sampleValue(definition, 0);
        const { argv } = await parse([...(word ? [word] : []), `--${name}`, value, 'services/api/Dockerfile']);
        const path = argv[positional];
        expect({ word, name, path: Array.isArray(path) ? path : [path], value: [argv[name]].flat() }).toEqual({ word, name, path: ['services/api/Dockerfile'], value: [parsed(definition, value)] });
      }
    }
  });

  it('that repeat collect every value, and still leave the paths', async () => {
    const repeatable = [...declared].flatMap(([word, { positional, options }]) => [...options].filter(([, d]) => d.array).map(([name, d]) => ({ word, positional, name, definition: d })));
    expect(repeatable.map((r) => `${r.word} --${r.name}`).length).toBeGreaterThan(0);
    for (const { word, positional, name, definition } of repeatable) {
      const [first, second] = [sampleValue(definition, 0), sampleValue(definition, 1)];
      const { argv } = await parse([...(word ? [word] : []), `--${name}`, first, `--${name}=${second}`, `--${name}`, first, 'Dockerfile']);
      expect({ word, name, path: [argv[positional]].flat(), value: argv[name] }).toEqual({ word, name, path: ['Dockerfile'], value: [first, second, first].map((v) => parsed(definition, v)) });
    }
  });
});

describe('options that take one value', () => {
  it('given twice are refused, naming the option (yargs would hand the command a list)', async () => {
    const single = [...declared].flatMap(([word, { options }]) => [...options].filter(([, d]) => takesValue(d) && !d.array).map(([name, d]) => ({ word, name, definition: d })));
    expect(single.length).toBeGreaterThan(0);
    for (const { word, name, definition } of single) {
      const args = [...(word ? [word] : []), `--${name}`, sampleValue(definition, 0), `--${name}`, sampleValue(definition, 1), 'Dockerfile'];
      await expect(parse(args), `${word} --${name}`).rejects.toThrow(`dockmod: --${name} is given more than once; it takes one value`);
    }
  });
});

describe('as the built command runs them', () => {
  const temps: string[] = [];
  afterEach(() => {
    for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('`verify --base-image a=b Dockerfile` reaches the Dockerfile (here: one that does not exist)', () => {
    const dir = tempTree('dockmod-cli-options-', {}, temps);
    const r = dockmod(['verify', '--base-image', 'node:20=localhost/node:local', '--base-image', 'debian:12=localhost/debian', 'app/Dockerfile'], dir);
    expect({ status: r.status, stderr: r.stderr.split('\n')[0] }).toEqual({ status: 2, stderr: 'dockmod: app/Dockerfile: no such file' });
  });
});
