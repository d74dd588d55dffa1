// What a run read from disk to optimize one Dockerfile, so that a later run can tell whether its result still
// holds. A result depends only on the Dockerfile, the run's settings and the answers its build context got from the
// disk (DISK in context.ts); the log keeps each question asked and a digest of its answer. When every question gets
// the same answer again, the same run would take the same way to the same result: no file it looked at can be left
// out of the key, since the context asks the disk through the log alone.
import { createHash } from 'node:crypto';
import { DISK, type Disk } from './context.js';

export type DiskQuestion = keyof Disk;

/** One question asked of the disk, and a digest of its answer. */
export interface ReadRecord {
  question: DiskQuestion;
  args: (string | number | undefined)[];
  answer: string;
}

/** A digest of a value: bytes as they are, anything else as its JSON. */
export function digest(value: unknown): string {
  const hash = createHash('sha1');
  if (Buffer.isBuffer(value)) hash.update('b').update(value);
  else hash.update(value === undefined ? 'u' : `j${JSON.stringify(value)}`);
  return hash.digest('base64url');
}

/** Records every question its `disk` is asked (each once) with its answer's digest. */
export class ReadLog {
  private readonly asked = new Map<string, ReadRecord>();
  readonly disk: Disk;

  constructor() {
    const disk: Record<string, (...args: never[]) => unknown> = {};
    for (const [question, ask] of Object.entries(DISK) as [DiskQuestion, (...args: unknown[]) => unknown][]) {
      disk[question] = (...args: (string | number | undefined)[]) => {
        const answer = ask(...args);
        const key = JSON.stringify([question, args]);
        if (!this.asked.has(key)) this.asked.set(key, { question, args, answer: digest(answer) });
        return answer;
      };
    }
    this.disk = disk as unknown as Disk;
  }

  records(): ReadRecord[] {
    return [...this.asked.values()];
  }
}

/** Whether every recorded question gets the same answer from the disk now. */
export function stillAnswered(records: readonly ReadRecord[]): boolean {
  // An argument left out was stored as null by JSON.
  const ask = (r: ReadRecord) => (DISK[r.question] as (...args: unknown[]) => unknown)(...r.args.map((a) => a ?? undefined));
  return records.every((r) => Object.hasOwn(DISK, r.question) && digest(ask(r)) === r.answer);
}
