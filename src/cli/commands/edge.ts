import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { NftSets } from '../../edge/nft.js';
import { EDGE_ENV, parseEdgeOptions } from '../../edge/options.js';
import { startEdgeNft } from '../../edge/receiver.js';
import { SentinelaError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { Command } from '../command.js';

/** Flag → option key (the flags are the options' names, kebab-cased). */
const FLAGS = Object.fromEntries(Object.keys(EDGE_ENV).map((key) => [key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), key]));

export const edgeCommand: Command = {
  name: 'edge',
  summary: 'enforce IP blocks at the host firewall: `edge nft` mirrors pushed blocks into nftables sets',
  help: `Usage: sentinela edge nft [--init] [options]

Receives the server's signed block pushes (set SENTINELA_WEBHOOK_URL to http://<this host>:<port>/ and
SENTINELA_WEBHOOK_SECRET to the same secret) and mirrors blocks of IP addresses (subject ip:…, scope all)
into nftables sets with a timeout until the block expires; an unblock deletes the element. IPv4 addresses go
to the set4 set, IPv6 to set6. Other blocks are answered 200 and left to block-check. Addresses in the allow
list (and loopback, always) are never added. A bad or stale signature answers 401, a replay 409, a malformed
body 400, an nft failure 503 (the server retries). README "sentinela edge nft".

At start the table and both sets are created if absent (flags timeout). With --chain NAME a chain of that name
is created too (hook prerouting, priority -300, before conntrack) that drops the sets' addresses; it is owned by
this command (flushed and refilled at each start). Without --chain, add the rule yourself (--init prints it).

Options (each also from its environment variable; a flag wins):
  --init                  create the table and sets (and chain), print the rule to add, and exit
  --listen HOST:PORT      ${EDGE_ENV.listen}, default 127.0.0.1:9740
  --secret S              ${EDGE_ENV.secret} (prefer the variable: flags show in ps); required to serve
  --family F              ${EDGE_ENV.family}: inet (default), ip or ip6
  --table NAME            ${EDGE_ENV.table}, default sentinela
  --set4 NAME             ${EDGE_ENV.set4}, default blocked4
  --set6 NAME             ${EDGE_ENV.set6}, default blocked6
  --chain NAME            ${EDGE_ENV.chain}: create this drop chain (default: none)
  --allow CIDRS           ${EDGE_ENV.allow}: comma-separated addresses or CIDRs never blocked (your PBXs, SBCs,
                          monitoring); 127.0.0.0/8 and ::1 always are
  --tenants NAMES         ${EDGE_ENV.tenants}: comma-separated tenants whose blocks apply here (default: every
                          tenant's); others are answered 200 and ignored
  --nft COMMAND           ${EDGE_ENV.nft}: the nft command, split on spaces, run without a shell
                          (default nft; e.g. "sudo nft", "ip netns exec fw nft")
  --tolerance DURATION    ${EDGE_ENV.tolerance}: accepted signature age, default 300s (replays are refused within it)
  --log-level LEVEL       ${EDGE_ENV.logLevel}, default info (pino JSON on stdout)
  -h, --help              show this help`,
  async run(args, ctx) {
    const [mode, ...rest] = args;
    if (mode !== 'nft') throw new SentinelaError('CLI_USAGE', 'expected `edge nft`');
    const { values: parsed } = parseArgs({
      args: rest,
      strict: true,
      options: { init: { type: 'boolean' }, ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])) },
    });
    const values = parsed as Record<string, string | boolean | undefined>;
    const flags = Object.fromEntries(Object.entries(FLAGS).map(([flag, key]) => [key, values[flag] as string | undefined]));
    const options = parseEdgeOptions(flags, ctx.env);
    if (values['init'] === true) {
      const nft = new NftSets(options);
      await nft.ensure();
      const { family, table, set4, set6, chain } = options;
      ctx.stdout(`table ${family} ${table}: sets ${set4} and ${set6} (flags timeout) ready${chain ? `, chain ${chain} drops their addresses` : ''}`);
      if (chain === undefined) ctx.stdout(`Add the rule that drops their addresses, e.g.:\n${nft.ruleHint()}`);
      return 0;
    }
    const log = createLogger(options.logLevel, 1);
    const { receiver } = await startEdgeNft(options, log);
    const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    log.info({ signal }, 'shutting down');
    await receiver.close();
    return 0;
  },
};
