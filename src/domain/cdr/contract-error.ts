import type { z } from 'zod';
import { SentinelaError, type ErrorCode } from '../../errors.js';
import type { ContractProblem } from './contract.js';

/** A zod issue as a contract problem: the field it blames (an unknown field names itself) and a message for people. */
export function problemOf(issue: z.core.$ZodIssue, unknownHint = ''): ContractProblem {
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys.join(',')] : issue.path;
  return { path: path.map(String).join('.') || '(root)', message: describe(issue, unknownHint) };
}

/** The error of a refused record (CDR_INVALID, EVENT_INVALID): every problem in the message, the first one's field as `path`. */
export function contractError(code: ErrorCode, problems: readonly ContractProblem[]): SentinelaError {
  const first = problems[0] ?? { path: '(root)', message: 'invalid' };
  const message = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  return new SentinelaError(code, message, { path: first.path, problems });
}

function describe(issue: z.core.$ZodIssue, unknownHint: string): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}${unknownHint}`;
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'is required';
  return issue.message;
}
