package io.outrigger.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's configured endpoints, IP literals and DNS names, and what they resolve to. A lookup
 * can fail for a moment (a DNS server restarting): a name's last answer is kept for a few
 * refreshes before the name is taken as gone.
 */
final class ConfiguredEndpoints {

    private static final Logger log = LoggerFactory.getLogger(ConfiguredEndpoints.class);
    static final int KEEP_ADDRESSES_FOR_FAILED_LOOKUPS = 2;

    private final String cluster;
    private final List<EndpointAddress> configured;
    private final AddressResolver resolver;
    private final List<InetSocketAddress>[] lastResolved;
    private final int[] failures;

    @SuppressWarnings("unchecked")
    ConfiguredEndpoints(String cluster, List<EndpointAddress> configured, AddressResolver resolver) {
        this.cluster = cluster;
        this.configured = configured;
        this.resolver = resolver;
        this.lastResolved = new List[configured.size()];
        Arrays.fill(lastResolved, List.of());
        this.failures = new int[configured.size()];
    }

    /** Whether any endpoint is a DNS name, to be resolved again now and then. */
    boolean needsDns() {
        return configured.stream().anyMatch(a -> !a.isIpLiteral());
    }

    /** Resolves every configured name (blocking: runs at build time and on the DNS thread). */
    Set<InetSocketAddress> resolve() {
        Set<InetSocketAddress> addresses = new LinkedHashSet<>();
        for (int i = 0; i < configured.size(); i++) {
            EndpointAddress endpoint = configured.get(i);
            try {
                InetAddress[] found = endpoint.isIpLiteral()
                        ? new InetAddress[] {InetAddress.getByName(endpoint.host())}   // a literal: no lookup
                        : resolver.resolve(endpoint.host());
                List<InetSocketAddress> resolved = new ArrayList<>(found.length);
                for (InetAddress address : found) {
                    resolved.add(new InetSocketAddress(address, endpoint.port()));
                }
                lastResolved[i] = resolved;
                failures[i] = 0;
            } catch (UnknownHostException e) {
                failures[i]++;
                boolean gone = failures[i] > KEEP_ADDRESSES_FOR_FAILED_LOOKUPS;
                log.warn("cluster {}: endpoint {} does not resolve ({}): {}", cluster, endpoint,
                        gone ? "its addresses are dropped" : "keeping its last addresses", e.getMessage());
                if (gone) {
                    lastResolved[i] = List.of();
                }
            }
            addresses.addAll(lastResolved[i]);
        }
        return addresses;
    }
}
