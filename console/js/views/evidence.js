// An alert's evidence: the CDRs that made it, or, for a signalling rule (issue 18), the security events its PBXs
// reported (failed registrations, wrong passwords, floods): there is no call yet, so no CDR.
import { h, note, table } from '../dom.js';
import { num, t, time } from '../i18n.js';

/** The API says which: `evidenceKind` (a signalling rule in force), else events found for the ids. */
export const isSignalling = (a) => a.evidenceKind === 'events' || a.evidenceEvents?.length > 0;

export function evidence(a, can) {
  const events = isSignalling(a);
  if (!can('cdrs.read'))
    return note(
      'info',
      events
        ? t('Your role does not see security events: {n} evidence event ids only.', { n: a.evidence.length })
        : t('Your role does not see CDRs: {n} evidence CDR ids only.', { n: a.evidence.length }),
    );
  return events ? eventTable(a) : cdrTable(a);
}

function cdrTable(a) {
  return table(
    [
      [t('Start'), (c) => time(c.startedAt, a.tenant)],
      [t('Account'), (c) => c.account],
      [t('Caller'), (c) => c.caller],
      [t('Callee'), (c) => c.calleeE164 || c.callee],
      [t('IP'), (c) => c.srcIp],
      [t('Billed s'), (c) => num(c.billSec)],
      [t('Disposition'), (c) => c.disposition],
    ],
    a.evidenceCdrs,
    { empty: t('The evidence CDRs are no longer stored.') },
  );
}

function eventTable(a) {
  const shown = table(
    [
      [t('Time'), (e) => time(e.at, a.tenant)],
      [t('Type'), (e) => t(e.type)],
      [t('Source'), (e) => h('code', {}, source(e))],
      [t('User'), (e) => e.user],
      [t('User agent'), (e) => e.userAgent],
      [t('Method'), (e) => e.method],
      [t('Messages'), (e) => num(e.count)],
      [t('PBX line'), (e) => (e.raw ? h('details', {}, h('summary', {}, e.reporter || t('line')), h('code', { class: 'details' }, e.raw)) : e.reporter)],
    ],
    a.evidenceEvents ?? [],
    { empty: t('The evidence events are no longer stored.') },
  );
  shown.classList.add('events');
  return shown;
}

/** ip:port/transport as the PBX saw it on its socket; an IPv6 address in brackets. */
function source(e) {
  const ip = e.srcIp.includes(':') ? `[${e.srcIp}]` : e.srcIp;
  return `${ip}${e.srcPort ? `:${e.srcPort}` : ''}${e.transport ? `/${e.transport}` : ''}`;
}
