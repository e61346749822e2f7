/**
 * User agents of SIP scanners and password guessers (SIPVicious' svmap/svwar/svcrack, sipcli, SIPScan, sundayddr,
 * iWar, VaxSIPUserAgent, pplsip…). A weak signal only: scanners change their user agent (kamailio#1903,
 * EnableSecurity/sipvicious#84), so a match makes behaviour count more and never blocks by itself.
 */
const SCANNER_AGENTS = /friendly-scanner|sipvicious|sipcli|sip-scan|sipscan|sundayddr|iwar|vaxsipuseragent|pplsip|smap|sivus/i;

export function isScannerAgent(userAgent: string | undefined): boolean {
  return userAgent !== undefined && SCANNER_AGENTS.test(userAgent);
}
