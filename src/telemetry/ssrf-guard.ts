import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses the prober may connect to. Only public unicast addresses, unless an operator
 * lists networks in PROBE_ALLOW_NETWORKS (config.probeAllowNetworks), e.g. Sentinel's own
 * 127.0.0.1/32 for Tenant0's self-checks. Checked at connect time, after DNS, for every hop of a
 * redirect, so a name that resolves (or re-resolves) to 10.0.0.1 is refused like 10.0.0.1 itself.
 */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

export class AddressPolicy {
  private readonly allowed: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

  constructor(allowNetworks: string[] = []) {
    this.allowed = allowNetworks.map((cidr) => ipaddr.parseCIDR(cidr.trim()));
  }

  /** Undefined when the address may be probed, else why not. */
  refusal(address: string): string | undefined {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.process(address); // IPv4-mapped IPv6 (::ffff:10.0.0.1) becomes IPv4
    } catch {
      return `not an IP address: ${address}`;
    }
    if (
      this.allowed.some(
        ([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits),
      )
    )
      return undefined;
    const range = parsed.range();
    // ipaddr.js calls everything "unicast" that is in none of its special ranges, which for IPv6
    // includes IPv4-compatible ::/96 (::7f00:1 is 127.0.0.1), local-use NAT64 64:ff9b:1::/48 and
    // the deprecated site-local fec0::/10. Only global unicast 2000::/3 is public.
    const kind =
      range !== 'unicast'
        ? `a ${range} address`
        : parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6)
          ? 'not a global unicast IPv6 address'
          : undefined;
    if (kind === undefined) return undefined;
    // Say how to allow it: the operator's setting, with this very address as the example.
    const cidr = `${parsed.toString()}/${parsed.kind() === 'ipv4' ? 32 : 128}`;
    return `${address} is ${kind}, refused unless PROBE_ALLOW_NETWORKS lists it (e.g. PROBE_ALLOW_NETWORKS=${cidr})`;
  }
}

export class RefusedTargetError extends Error {
  readonly code = 'SENTINEL_REFUSED_TARGET';
}

/** A dns.lookup for net.connect that only ever hands out allowed addresses. */
export function guardedLookup(policy: AddressPolicy): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const refused = list
        .map((a) => policy.refusal(a.address))
        .find((reason) => reason !== undefined);
      // Refuse if any address is off-limits: the system resolver may pick any of them.
      if (refused || list.length === 0)
        return callback(new RefusedTargetError(`${hostname}: ${refused ?? 'no address'}`), '', 0);
      if (options.all) return callback(null, list as never, 0);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** For URLs whose host is an IP literal: net.connect skips lookup for those, so check here. */
export function refusalForLiteralHost(url: URL, policy: AddressPolicy): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return net.isIP(host) ? policy.refusal(host) : undefined;
}
