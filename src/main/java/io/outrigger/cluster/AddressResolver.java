package io.outrigger.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Turns a host name into every address it currently has. Blocking: never call it on an event loop. */
@FunctionalInterface
public interface AddressResolver {

    /** The system resolver (hosts file, then DNS), as every JVM program sees it. */
    AddressResolver SYSTEM = InetAddress::getAllByName;

    InetAddress[] resolve(String host) throws UnknownHostException;
}
