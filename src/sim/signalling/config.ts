/**
 * The simulated operator's signalling in one object. The edge is a Kamailio running deploy/kamailio/security.cfg
 * (scanner-signature and flood-sample events) in front of Asterisk PBXs doing the authentication (auth-failed,
 * unknown-user; `registered` from Asterisk's SuccessfulAuth). `--scale` multiplies the number of offices.
 */
export const SIG_SIM = {
  tenants: [
    { name: 'vozmais', weight: 0.45 },
    { name: 'nordeste-voip', weight: 0.3 },
    { name: 'pampa-tel', weight: 0.25 },
  ],
  offices: 36,
  /** Phones behind one office NAT address (log-uniform: many small offices, a few large ones). */
  phonesPerOffice: [10, 200],
  /** Registration expiry a site's phones are provisioned with (s) and how often sites use it: vendors default to 3600, operators behind NAT often force less. */
  expiries: [
    [3600, 0.45],
    [1800, 0.15],
    [600, 0.15],
    [300, 0.15],
    [120, 0.07],
    [60, 0.03],
  ],
  /** Desk phones' user agents (a scanner hiding as a phone picks from these too). */
  phoneAgents: [
    'Yealink SIP-T46S 66.86.0.15',
    'Yealink SIP-T21P_E2 52.84.0.140',
    'Grandstream GXP2170 1.0.11.64',
    'PolycomVVX-VVX_411-UA/6.4.3.5018',
    'Fanvil X4U 2.12.1',
    'Intelbras TIP 200 Lite 90.0.3.12',
  ],
  softphoneAgents: ['Zoiper rv2.10.20.6', 'Linphone-Android/5.2.5 (belle-sip/5.2.94)', 'MicroSIP/3.21.3', 'Bria iOS release 6.13.2'],
  /** Share of phone models that answer a second challenge with the same wrong password (two failures per attempt). */
  retryChallenge: 0.15,
  /** Share of an office's users that also register a softphone on their mobile (mobile carrier CGNAT). */
  softphoneShare: 0.1,
  /** Mobile carriers' CGNAT pools: addresses each, shared by unrelated users of every tenant; a handset moves every 1-6 h. */
  cgnat: { carriers: 3, addressesPerCarrier: 6, hopHours: [1, 6], expiry: [60, 300] },
  /** A lost answer: the phone retransmits its REGISTER (RFC 3261 Timer E: 0.5, 1, 2, 4 s). */
  retransmitChance: 0.003,
  /** Per 7 days, per 36 offices (scaled with the offices). */
  incidents: {
    'stale-password': 10,
    'password-typo': 25,
    'site-outage': 6,
    'password-change': 4,
    'new-phone-wrong-password': 6,
    'batch-provisioning': 1,
  },
  /** The operator's monitoring pings each tenant's PBX with OPTIONS every 10-60 s; sometimes nobody allow-listed it. */
  monitor: { everyS: [10, 60], unlisted: 0.34 },
  /** Attack episodes per 7 days for the whole operator (real edges see scans every day). */
  attacks: {
    'svwar-range': 9,
    'svwar-dictionary': 6,
    svcrack: 6,
    'distributed-bruteforce': 4,
    'credential-stuffing': 4,
    'flood-register': 3,
    'flood-options': 3,
    'svmap-probe': 30,
    'inside-nat-scan': 2,
  },
  paces: [
    ['fast', 0.5],
    ['medium', 0.25],
    ['slow', 0.25],
  ],
  /** Scanners' own user agents; a share of the attacks hide behind a phone's instead. */
  scannerAgents: ['friendly-scanner', 'sipcli/v1.8', 'VaxSIPUserAgent/3.1', 'pplsip'],
  spoofedShare: 0.35,
  /** Names svwar tries in dictionary mode and credential lists start with. */
  dictionary: [
    'admin',
    'test',
    'operator',
    'sip',
    'voip',
    'user',
    'guest',
    'support',
    'info',
    'office',
    'reception',
    'sales',
    '1000',
    '1001',
    '1234',
    '2000',
    '100',
    '101',
    '200',
    '201',
    'asterisk',
    'pbx',
    'fax',
    'demo',
    'service',
    'root',
    'phone',
    'cisco',
    'yealink',
    'polycom',
  ],
} as const;

export type SigSimConfig = typeof SIG_SIM;
