// The console shell: login, the views the role may use, the language switch and the session's end.
import { api, session } from './api.js';
import { h, fill, field, formValues, note } from './dom.js';
import { LANGUAGES, language, setLanguage, setZones, t, time } from './i18n.js';
import * as alerts from './views/alerts.js';
import * as blocks from './views/blocks.js';
import * as charts from './views/charts.js';
import * as rules from './views/rules.js';
import * as check from './views/check.js';
import * as audit from './views/audit.js';

// each view is shown to the roles that hold its permission (GET /v1/me lists them); the API checks again
const VIEWS = [
  { id: 'alerts', title: 'Alerts', needs: 'alerts.read', view: alerts },
  { id: 'blocks', title: 'Blocks', needs: 'blocks.read', view: blocks },
  { id: 'charts', title: 'Charts', needs: 'stats.read', view: charts },
  { id: 'rules', title: 'Rules', needs: 'rules.read', view: rules },
  { id: 'check', title: 'Block-check tester', needs: 'rules.read', view: check },
  { id: 'audit', title: 'Audit trail', needs: 'audit.read', view: audit },
];

const top = document.getElementById('top');
const nav = document.getElementById('nav');
const main = document.getElementById('main');
let me = null;
let cleanup = null;
let greeting = null;

const can = (permission) => me?.permissions.includes(permission) ?? false;
const allowed = () => VIEWS.filter((v) => can(v.needs));

function leave() {
  cleanup?.();
  cleanup = null;
}

function header() {
  const languages = h(
    'select',
    { id: 'language', 'aria-label': t('Language'), onchange: (e) => (setLanguage(e.target.value), render()) },
    LANGUAGES.map(([code, name]) => h('option', { value: code, selected: code === language() }, name)),
  );
  const who = me ? h('span', { class: 'who' }, `${me.fullName || me.user} · ${t(`role:${me.role}`)}`) : null;
  const logout = me ? h('button', { id: 'logout', class: 'link', onclick: logOut }, t('Log out')) : null;
  fill(top, h('strong', { class: 'brand' }, 'Sentinela · NOC'), h('span', { class: 'spacer' }), who, languages, logout);
}

function render() {
  leave();
  document.documentElement.lang = language();
  header();
  if (!me) {
    fill(nav);
    return loginForm();
  }
  const views = allowed();
  const wanted = location.hash.replace(/^#\/?/, '');
  const current = views.find((v) => v.id === wanted) ?? views[0];
  fill(
    nav,
    views.map((v) => h('a', { href: `#/${v.id}`, id: `nav-${v.id}`, class: v === current ? 'active' : null }, t(v.title))),
  );
  fill(main, greeting);
  greeting = null; // shown on the first view after logging in
  if (!current) return main.append(note('info', t('Your role has no console views.')));
  const section = h('section', { id: `view-${current.id}` });
  main.append(section);
  cleanup = current.view.render(section, { me, can }) ?? null;
}

function loginForm(message) {
  const error = h('div');
  const form = h(
    'form',
    { id: 'login', class: 'card narrow' },
    h('h1', {}, t('Log in')),
    message ? note('info', message) : null,
    field(t('User'), h('input', { name: 'user', autocomplete: 'username', required: true })),
    field(t('Password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit' }, t('Log in')),
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const answer = await api('/v1/login', { method: 'POST', body: formValues(form) });
      session.token = answer.token;
      session.idleAfter(answer.expiresAfterIdleSeconds);
      signedIn(answer, true);
    } catch (err) {
      fill(error, note('error', err.status === 401 ? t('Wrong user or password.') : err.message));
    }
  });
  fill(main, form);
}

function signedIn(user, fresh) {
  me = user;
  setZones(user.timeZone, user.timeZones);
  const h8 = user.history;
  // A8: the previous login and the failures since, shown once after logging in
  greeting =
    fresh && h8
      ? note(
          h8.failuresSince > 0 ? 'error' : 'info',
          [
            h8.lastLogin ? t('Last login {at} from {ip}.', { at: time(h8.lastLogin.at), ip: h8.lastLogin.ip }) : t('First login.'),
            h8.failuresSince > 0 ? t('{n} failed attempts since.', { n: h8.failuresSince }) : '',
          ].join(' '),
        )
      : null;
  render();
}

async function logOut() {
  await api('/v1/logout', { method: 'POST' }).catch(() => null);
  session.token = null;
  me = null;
  greeting = null;
  render();
}

session.onEnd(() => {
  me = null;
  greeting = null;
  leave();
  header();
  fill(nav);
  loginForm(t('Your session ended; log in again.'));
});
window.addEventListener('hashchange', () => me && render());

if (session.token) {
  api('/v1/me')
    .then((user) => signedIn(user, false))
    .catch((err) => err.status === 401 || ((session.token = null), render()));
} else render();
