/**
 * A scripted Asker for interview tests: each step names the kind of question, a pattern
 * its message must match, and the answer(s). Text answers may list refused attempts
 * first: each must be refused by the question's validator (the reasons are recorded),
 * the last must pass. '' takes the question's default, as in the terminal.
 */
import type { Asker, CheckboxQuestion, ConfirmQuestion, HostListQuestion, SelectQuestion, TextQuestion } from '../../../src/wizard/ask.js';
import type { HostEntry } from '../../../src/wizard/answers.js';

export type Step =
  | { text: RegExp; answer: string | string[] }
  | { select: RegExp; answer?: unknown } // no answer: the default
  | { checkbox: RegExp; answer?: number[] } // no answer: the pre-checked choices
  | { confirm: RegExp; answer?: boolean }
  | { hostList: RegExp; lines: string[] };

export class ScriptedAsker implements Asker {
  readonly refused: string[] = [];
  readonly notes: string[] = [];
  readonly asked: string[] = [];
  private i = 0;
  constructor(private readonly steps: Step[]) {}

  private next<K extends string>(kind: K, message: string): Extract<Step, Record<K, RegExp>> {
    this.asked.push(message);
    const step = this.steps[this.i++];
    if (!step || !(kind in step)) throw new Error(`unexpected ${kind} question "${message}" (script step ${this.i}: ${JSON.stringify(step && Object.keys(step))})`);
    const pattern = (step as Record<string, unknown>)[kind] as RegExp;
    if (!pattern.test(message)) throw new Error(`question "${message}" does not match ${pattern}`);
    return step as Extract<Step, Record<K, RegExp>>;
  }

  done(): void {
    if (this.i !== this.steps.length) throw new Error(`script has ${this.steps.length - this.i} unused step(s), next: ${JSON.stringify(this.steps[this.i])}`);
  }

  async text(q: TextQuestion): Promise<string> {
    const step = this.next('text', q.message);
    const attempts = Array.isArray(step.answer) ? step.answer : [step.answer];
    for (const [n, raw] of attempts.entries()) {
      const value = raw === '' ? q.default ?? '' : raw;
      const verdict = q.validate ? q.validate(value) : true;
      const last = n === attempts.length - 1;
      if (verdict === true && !last) throw new Error(`"${value}" for "${q.message}" was accepted, expected a refusal`);
      if (verdict !== true && last) throw new Error(`"${value}" for "${q.message}" was refused: ${verdict}`);
      if (verdict !== true) this.refused.push(verdict);
      if (last) return value;
    }
    throw new Error('unreachable');
  }

  async select<T>(q: SelectQuestion<T>): Promise<T> {
    const step = this.next('select', q.message);
    const v = (step.answer === undefined ? q.default ?? q.choices[0]!.value : step.answer) as T;
    if (!q.choices.some((c) => c.value === v)) throw new Error(`${String(v)} is not a choice of "${q.message}"`);
    return v;
  }

  async checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]> {
    const step = this.next('checkbox', q.message);
    const v = (step.answer ?? q.choices.filter((c) => c.checked).map((c) => c.value)) as T[];
    const verdict = q.validate ? q.validate(v) : true;
    if (verdict !== true) throw new Error(`checkbox answer refused: ${verdict}`);
    return v;
  }

  async confirm(q: ConfirmQuestion): Promise<boolean> {
    const step = this.next('confirm', q.message);
    return step.answer ?? q.default ?? false;
  }

  async hostList(q: HostListQuestion): Promise<HostEntry[]> {
    const step = this.next('hostList', q.message);
    let hosts: HostEntry[] = [];
    for (const line of step.lines) {
      const r = q.applyLine(hosts, line);
      hosts = r.hosts;
      this.refused.push(...r.rejected.map((x) => `${x.token}: ${x.reason}`));
    }
    return hosts;
  }

  note(text: string): void {
    this.notes.push(text);
  }
}
