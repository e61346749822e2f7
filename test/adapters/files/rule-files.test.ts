import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRuleFiles, overlayRuleFiles, parseRuleFiles } from '../../../src/adapters/files/rule-files.js';
import { ruleSetDigest } from '../../../src/security/config-fingerprint.js';
import { SentinelaError } from '../../../src/errors.js';

function rulesDir(files: Record<string, string>, withDefaults = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-rules-'));
  if (withDefaults) cpSync('rules', dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function loadError(dir: string): SentinelaError {
  try {
    loadRuleFiles(dir);
  } catch (err) {
    assert.ok(err instanceof SentinelaError);
    return err;
  }
  assert.fail('expected the rules to be refused');
}

const valid = `rules:
  - id: my-rule
    description: test
    cites: [EV06]
    key: caller
    measure: { kind: count }
    window: 60s
    thresholds: { critical: 5 }
`;

describe('rule files', () => {
  it('loads the shipped rules, profiles and prefix lists, every rule citing REQUIREMENTS ids', () => {
    const files = loadRuleFiles('rules');
    assert.deepEqual(files.rules.map((r) => r.id).sort(), [
      'account-on-new-ip',
      'attempt-out-of-profile',
      'attempt-velocity-caller',
      'attempt-velocity-ip',
      'caller-on-new-ip',
      'credential-stuffing',
      'exposure-account-fast',
      'exposure-account-slow',
      'exposure-country',
      'exposure-new-country-off-hours',
      'international-daily-quota',
      'international-out-of-profile',
      'international-spend-spike',
      'invalid-destinations',
      'irsf-hot-range-burst',
      'irsf-test-call',
      'irsf-test-call-risk',
      'money-cap',
      'new-international-destination',
      'off-hours-call',
      'off-hours-international',
      'premium-destination',
      'range-pumping-account',
      'range-pumping-caller',
      'sequential-dialling',
      'traffic-pumping',
      'velocity-account',
      'velocity-caller',
      'velocity-ip',
      'wangiri-callback',
      'wangiri-range',
    ]);
    for (const rule of files.rules) assert.ok(rule.cites.length > 0 && rule.enabled, rule.id);
    // held-out defect b: every shipped rule says which directions it counts (outbound-fraud rules: outbound only;
    // Wangiri bait arrives inbound, from the carriers' SBCs)
    for (const rule of files.rules) assert.deepEqual(rule.match.directions, [rule.id === 'wangiri-range' ? 'inbound' : 'outbound'], rule.id);
    // EV12/EV13 count block-checks (the API), every other rule counts CDRs (the processor)
    assert.deepEqual(
      files.rules
        .filter((r) => r.on === 'attempt')
        .map((r) => r.id)
        .sort(),
      ['attempt-out-of-profile', 'attempt-velocity-caller', 'attempt-velocity-ip'],
    );
    assert.deepEqual(files.profiles.escalation, { ladder: ['5m', '1h', '24h'], within: '24h' });
    assert.deepEqual([...new Set(files.prefixEntries.map((e) => e.list))].sort(), ['irsf-high-risk', 'irsf-risk-ranges', 'premium-rate']);
    // risk-only rows say so by category (range rules weigh them; they are not premium-rate)
    assert.ok(files.prefixEntries.filter((e) => e.list === 'irsf-risk-ranges').every((e) => e.category.startsWith('risk_') && e.source.length > 0));
  });

  it('names the file, the rule id and the field of an invalid rule', () => {
    const dir = rulesDir({ 'bad.yaml': valid.replace('window: 60s', 'window: a minute') });
    const err = loadError(dir);
    assert.equal(err.code, 'RULES_INVALID');
    assert.equal(err.message, `${join(dir, 'bad.yaml')}: rule my-rule: window: must be a duration such as 60s, 10m, 1h or 24h`);
  });

  it('names nested fields, unknown fields and cross-field problems', () => {
    const cases: [string, RegExp][] = [
      [valid.replace('{ kind: count }', '{ kind: average }'), /rule my-rule: measure\.kind: /],
      [valid.replace('    window: 60s\n', '    window: 60s\n    windw: 10m\n'), /r\.yaml: rule my-rule: Unrecognized key: "windw"/],
      [valid.replace('key: caller', 'key: destPrefix'), /rule my-rule: prefixDigits: is required when key is destPrefix/],
      [valid.replace('{ critical: 5 }', '{ warn: 9, critical: 5 }'), /rule my-rule: thresholds: warn must not exceed critical/],
      [valid.replace('[EV06]', '[]'), /rule my-rule: cites: /],
      [`${valid}    block: { duration: 5m, until: localMidnight }\n`, /rule my-rule: block: give exactly one of duration or until/],
      [`${valid}    hotRange: { for: 24h }\n`, /rule my-rule: hotRange: marks a destination range: use it with key destPrefix/],
      [`${valid}    party: caller\n`, /rule my-rule: party: applies to destination and destPrefix keys/],
      [valid.replace('{ kind: count }', '{ kind: rangeScore, unanswered: 2 }'), /rule my-rule: measure\.unanswered: /],
      [
        valid.replace('{ kind: count }', '{ kind: rangeScore, weights: { hot: 3, rate: { from: 0, weight: 2 } } }'),
        /rule my-rule: measure\.weights\.rate\.from: must be positive/,
      ],
      [valid.replace('thresholds: { critical: 5 }', 'thresholds: { critical: 5 }\n    match: { hot: [] }'), /rule my-rule: match\.hot: /],
    ];
    for (const [text, pattern] of cases) assert.match(loadError(rulesDir({ 'r.yaml': text })).message, pattern);
  });

  it('refuses duplicate rule ids across files, naming both', () => {
    const err = loadError(rulesDir({ 'a.yaml': valid, 'b.yaml': valid }));
    assert.match(err.message, /b\.yaml: rule my-rule: id: already defined in .*a\.yaml/);
  });

  it('refuses a bad profile, naming the path inside profiles.yaml', () => {
    const err = loadError(rulesDir({ 'profiles.yaml': 'tenants:\n  acme:\n    international: { policy: maybe }\n' }));
    assert.match(err.message, /profiles\.yaml: tenants\.acme\.international\.policy: /);
    const tz = loadError(rulesDir({ 'profiles.yaml': 'defaults:\n  timeZone: Mars/Olympus\n' }));
    assert.match(tz.message, /defaults\.timeZone: must be an IANA time zone/);
  });

  it('refuses prefix-list rows without a source, and unparseable YAML', () => {
    const dir = rulesDir({});
    cpSync('rules/lists', join(dir, 'lists'), { recursive: true });
    writeFileSync(join(dir, 'lists', 'extra.csv'), 'e164_prefix,name,category,source\n2917,Eritrea,irsf,\n');
    assert.match(loadError(dir).message, /extra\.csv: row 2: source: is required/);
    assert.match(loadError(rulesDir({ 'x.yaml': 'rules: [\n' })).message, /x\.yaml: cannot parse/);
  });

  it('reports a missing rules directory as RULES_UNREADABLE', () => {
    assert.equal(loadError('/nonexistent/rules').code, 'RULES_UNREADABLE');
  });

  it('keeps the texts it validated: parsed again (the pipeline child), they give the same rule set, whatever the disk holds now', () => {
    const dir = rulesDir({ 'a.yaml': valid }, true);
    const loaded = loadRuleFiles(dir);
    assert.ok(Object.keys(loaded.sources).some((name) => name.startsWith('lists/')) && 'rates.csv' in loaded.sources);
    writeFileSync(join(dir, 'a.yaml'), valid.replace('critical: 5', 'critical: 6'));
    writeFileSync(join(dir, 'lists', 'premium-rate.csv'), 'e164_prefix,name,category,source\n2917,Eritrea,irsf,x\n');
    const again = parseRuleFiles(dir, loaded.sources);
    assert.equal(ruleSetDigest(again), ruleSetDigest(loaded));
    assert.deepEqual([again.files, again.rules], [loaded.files, loaded.rules]);
    assert.notEqual(ruleSetDigest(loadRuleFiles(dir)), ruleSetDigest(loaded));
  });

  it('overlays edits on the rules in force, not on what the directory holds now (a refused edit there)', () => {
    const dir = rulesDir({ 'a.yaml': valid, 'b.yaml': valid.replace('my-rule', 'other-rule') });
    const inForce = loadRuleFiles(dir);
    writeFileSync(join(dir, 'b.yaml'), 'rules: [\n'); // refused on disk: b's rule in force stays
    const edited = overlayRuleFiles(inForce, { 'a.yaml': valid.replace('critical: 5', 'critical: 7'), 'c.yaml': valid.replace('my-rule', 'new-rule') });
    assert.deepEqual(
      edited.rules.map((r) => [r.id, r.thresholds.critical]),
      [
        ['my-rule', 7],
        ['other-rule', 5],
        ['new-rule', 5],
      ],
    );
    assert.deepEqual(edited.prefixEntries, inForce.prefixEntries);
    assert.match(loadError(dir).message, /b\.yaml: cannot parse/);
    assert.throws(() => overlayRuleFiles(inForce, { 'a.yaml': valid.replace('60s', 'a minute') }), /a\.yaml: rule my-rule: window: /);
  });
});

describe('rate table file (rules/rates.csv)', () => {
  const header = '# prices\nprefix,class,name,brl_per_minute,source\n';
  const star = '*,invalid,Unknown,6.00,assumption\n';
  it('loads the shipped table with its invalid default', () => {
    const entries = loadRuleFiles('rules').rateEntries;
    assert.ok(entries.length > 250);
    assert.equal(entries.filter((e) => e.prefix === '*').length, 1);
  });

  it('refuses a bad row naming the file, the line and the field', () => {
    const bad = (text: string) => loadError(rulesDir({ 'rates.csv': header + text })).message;
    assert.match(bad(`${star}351,country,Portugal,abc,TIM retail\n`), /rates\.csv: line 4: brl_per_minute: must be a non-negative number/);
    assert.match(bad(`${star}351,country,Portugal,0.50,\n`), /rates\.csv: line 4: source: is required/);
    assert.match(bad(`${star}35x,country,Portugal,0.50,TIM\n`), /rates\.csv: line 4: prefix: must be 1-15 digits/);
    assert.match(bad(`${star}351,nation,Portugal,0.50,TIM\n`), /rates\.csv: line 4: class: must be one of/);
    assert.match(bad(`${star}351,country,Portugal,0.50,TIM\n351,country,Portugal,0.60,Oi\n`), /line 5: prefix: 351 is already priced on line 4/);
    assert.match(bad('351,country,Portugal,0.50,TIM\n'), /rates\.csv: prefix: needs the \* row/);
  });

  it('accepts the fixed and mobile defaults of one country side by side', () => {
    const dir = rulesDir({ 'rates.csv': `${header}${star}55,national-fixed,BR fixed,0.25,Embratel\n55,national-mobile,BR mobile,0.23,Anatel VC-1\n` });
    assert.equal(loadRuleFiles(dir).rateEntries.length, 3);
  });
});
