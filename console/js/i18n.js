// English and Brazilian Portuguese: English text is the key, pt-BR.js translates it. Times are shown in the
// tenant's time zone (GET /v1/me: the default zone and the tenants with their own).
import { PT_BR } from './pt-BR.js';

const KEY = 'sentinela.language';
export const LANGUAGES = [
  ['en', 'English'],
  ['pt-BR', 'Português (Brasil)'],
];

let current = pick(localStorage.getItem(KEY) ?? navigator.languages?.[0] ?? navigator.language ?? 'en');
let zones = { timeZone: 'America/Sao_Paulo', timeZones: {} };

function pick(tag) {
  return tag.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en';
}

export function language() {
  return current;
}

export function setLanguage(tag) {
  current = pick(tag);
  localStorage.setItem(KEY, current);
}

export function setZones(timeZone, timeZones) {
  zones = { timeZone: timeZone ?? zones.timeZone, timeZones: timeZones ?? {} };
}

/** The tenant's time zone. */
export function zoneOf(tenant) {
  return (tenant && zones.timeZones[tenant]) || zones.timeZone;
}

/** The tenant a form starts with: the user's own, or `default` for those who see every tenant. */
export function tenantOf(me) {
  return me.tenant && me.tenant !== '*' ? me.tenant : 'default';
}

/** Translated text; {name} placeholders filled from vars. */
export function t(text, vars = {}) {
  const template = (current === 'pt-BR' ? PT_BR[text] : undefined) ?? text.replace(/^role:/, '');
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** An instant in the tenant's zone, e.g. 02/12/2026 03:11:05 (pt-BR) or 12/2/26, 3:11:05 AM (en). */
export function time(iso, tenant) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'short', timeStyle: 'medium', timeZone: zoneOf(tenant) }).format(new Date(iso));
}

/** An hour and minute in the tenant's zone (chart axes). */
export function clock(epochSeconds, tenant) {
  return new Intl.DateTimeFormat(current, { hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', timeZone: zoneOf(tenant) }).format(
    new Date(epochSeconds * 1000),
  );
}

export function num(value, digits = 0) {
  return typeof value === 'number' ? value.toLocaleString(current, { maximumFractionDigits: digits, minimumFractionDigits: 0 }) : '';
}

export function money(value) {
  return typeof value === 'number' ? value.toLocaleString(current, { style: 'currency', currency: 'BRL' }) : '';
}

export function percent(value) {
  return typeof value === 'number' ? value.toLocaleString(current, { style: 'percent', maximumFractionDigits: 1 }) : '';
}
