/** Seeded (mulberry32) generators shared by the benchmarks, so every run measures the same traffic. */
export function prng(seed: number) {
  let state = seed;
  const rand = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
  return { rand, pick, digits };
}

export const DDDS = ['11', '11', '11', '21', '21', '31', '41', '51', '61', '71', '81', '85', '19', '27', '48'];
export const CSPS = ['15', '21', '41', '31', '12'];
export const FOREIGN = ['1201555', '44207946', '351912', '5491123', '2917', '8823', '34612', '4915'];

/** A Brazilian PBX's dialled-number mix, with the outside-line digit 0: local, national, 0800, international, extensions, emergency. */
export function dialler(seed: number) {
  const { rand, pick, digits } = prng(seed);
  return (): string => {
    const r = rand();
    const subscriber = () => (rand() < 0.6 ? `9${digits(8)}` : `${pick(['2', '3', '4'])}${digits(7)}`);
    if (r < 0.35) return `0${subscriber()}`;
    if (r < 0.6) return `0${pick(DDDS)}${subscriber()}`;
    if (r < 0.8) return `00${pick(CSPS)}${pick(DDDS)}${subscriber()}`;
    if (r < 0.85) return rand() < 0.5 ? `00800${digits(7)}` : `04004${digits(4)}`;
    if (r < 0.93) return `000${pick(CSPS)}${pick(FOREIGN)}${digits(5)}`;
    if (r < 0.98) return `${2000 + Math.floor(rand() * 500)}`;
    return `0${pick(['190', '192', '193'])}`;
  };
}
