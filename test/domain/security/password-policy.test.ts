import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { passwordProblems } from '../../../src/domain/security/password-policy.js';

describe('password policy (A9)', () => {
  const owner = { name: 'ana.souza', fullName: 'Ana Maria Souza' };

  it('accepts a password with upper, lower, digit and special character that avoids the name', () => {
    assert.deepEqual(passwordProblems('Tr0ca-de-Senha!', owner), []);
  });

  it('names every missing class', () => {
    const cases: [string, string][] = [
      ['Ab1!', 'at least 8 characters'],
      ['abcdef1!', 'an upper-case letter'],
      ['ABCDEF1!', 'a lower-case letter'],
      ['Abcdefg!', 'a digit'],
      ['Abcdefg1', 'a special character (not a letter or digit)'],
    ];
    for (const [password, problem] of cases)
      assert.ok(passwordProblems(password, owner).includes(problem), `${password}: ${passwordProblems(password, owner).join('; ')}`);
  });

  it('refuses the user name, a part of the full name, and the initials, ignoring case and accents', () => {
    assert.ok(passwordProblems('X9#Ana.Souza', owner).includes('must not contain the user name'));
    assert.ok(passwordProblems('X9#SOUZA-2026', owner).includes('must not contain the user name'));
    assert.ok(passwordProblems('Z9#xamsx-2026', owner).some((p) => p.includes('initials (ams)')));
    assert.ok(passwordProblems('Z9#joão-2026', { name: 'joao' }).includes('must not contain the user name'));
  });

  it('never accepts a password shorter than 8 characters or without a digit (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 7 }), (p) => passwordProblems(p, owner).includes('at least 8 characters')));
    fc.assert(
      fc.property(
        fc.string({ minLength: 8 }).filter((p) => !/\p{Nd}/u.test(p)),
        (p) => passwordProblems(p, owner).includes('a digit'),
      ),
    );
  });
});
