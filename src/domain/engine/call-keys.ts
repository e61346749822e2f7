/**
 * The subject keys (`tenant NUL value`) of the call being counted, each built once and shared by every rule keyed
 * on the same value and by the usage and money books: a rule reads its key without building a string. A call has
 * a handful of subject values (account, caller, IP, callee, a range or two), so a short scan finds them.
 */
export class CallKeys {
  private prefix = '';
  private readonly values: string[] = [];
  private readonly keys: string[] = [];
  private size = 0;

  /** Starts a new call of `tenant`: the previous call's keys are forgotten. */
  reset(tenant: string): void {
    this.prefix = `${tenant}\u0000`;
    this.size = 0;
  }

  /** The key of a subject value of the current call. */
  of(value: string): string {
    for (let i = 0; i < this.size; i++) if (this.values[i] === value) return this.keys[i] as string;
    const key = this.prefix + value;
    this.values[this.size] = value;
    this.keys[this.size++] = key;
    return key;
  }
}
