/**
 * Novelty signals of one call (G3, rule match `novel`), judged before the call is learned. country, numberType:
 * a familiar account's first call to a country or number type · callerIp: a familiar caller calling from an address
 * it began using within the last day · accountIp: an account calling from a network (IPv4 /24, IPv6 /48) it took up
 * within the last day, familiar or, on its first day, 2 h after its first call · ipCaller, ipAccount: a familiar address serving a
 * caller or account it never served · recentCountry: a call to a country an account watched for a working day first
 * dialled within the last day, the first call included (a drain's 2nd and 3rd calls are as new as its first: recent-countries.ts).
 */
export const NOVELTIES = ['country', 'numberType', 'callerIp', 'accountIp', 'ipCaller', 'ipAccount', 'recentCountry'] as const;
export type Novelty = (typeof NOVELTIES)[number];
/** A call's novelties as bits (no allocation per call): bit i is NOVELTIES[i]. */
export const noveltyBit = (n: Novelty): number => 1 << NOVELTIES.indexOf(n);
export const noveltiesOf = (bits: number): Novelty[] => NOVELTIES.filter((_, i) => (bits & (1 << i)) !== 0);
