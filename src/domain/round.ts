/** Two decimals, for figures people read (percentages, money, minutes). */
export const round2 = (n: number): number => Math.round(n * 100) / 100;
