package io.outrigger.injection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;
import io.netty.util.NetUtil;

/**
 * The arguments of the pod's {@code outrigger-init}: every inbound port captured, as Istio's
 * default {@code includeInboundPorts: "*"} (a port the containers do not declare must not escape
 * STRICT; the kubelet's probes go through the management port, which is never captured), and the pod's
 * {@code traffic.outrigger.io/*} annotations, which mean what Istio's
 * {@code traffic.sidecar.istio.io/*} ones do. A value that does not parse is refused, naming it.
 */
final class CaptureRules {

    static final String PREFIX = "traffic.outrigger.io/";

    private CaptureRules() {
    }

    static List<String> arguments(Pod pod) throws InjectionException {
        Map<String, String> annotations = pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations();
        List<String> args = new ArrayList<>(List.of("outrigger-init", "--proxy-port", "15001", "--inbound-capture-port", "15006",
                "--proxy-uid", "1337", "--inbound-ports", "*"));
        String excludeInbound = ports(annotations, "exclude-inbound-ports");
        if (!excludeInbound.isEmpty()) {
            args.addAll(List.of("--exclude-inbound-ports", excludeInbound));
        }
        String excludeOutbound = ports(annotations, "exclude-outbound-ports");
        if (!excludeOutbound.isEmpty()) {
            args.addAll(List.of("--exclude-outbound-ports", excludeOutbound));
        }
        String include = annotations.getOrDefault(PREFIX + "include-outbound-ip-ranges", "*").strip();
        if (!include.equals("*")) {
            args.addAll(List.of("--include-outbound-cidrs", cidrs(include, "include-outbound-ip-ranges")));
        }
        String exclude = cidrs(annotations.getOrDefault(PREFIX + "exclude-outbound-ip-ranges", ""), "exclude-outbound-ip-ranges");
        if (!exclude.isEmpty()) {
            args.addAll(List.of("--exclude-outbound-cidrs", exclude));
        }
        return args;
    }

    private static String ports(Map<String, String> annotations, String name) throws InjectionException {
        String value = annotations.getOrDefault(PREFIX + name, "").strip();
        List<String> ports = new ArrayList<>();
        for (String item : value.split(",")) {
            String port = item.strip();
            if (port.isEmpty()) {
                continue;
            }
            try {
                int number = Integer.parseInt(port);
                if (number < 1 || number > 65535) {
                    throw new NumberFormatException();
                }
                ports.add(Integer.toString(number));
            } catch (NumberFormatException e) {
                throw new InjectionException("annotation " + PREFIX + name + ": '" + port + "' is not a port (1-65535)");
            }
        }
        return String.join(",", ports);
    }

    private static String cidrs(String value, String name) throws InjectionException {
        List<String> blocks = new ArrayList<>();
        for (String item : value.split(",")) {
            String block = item.strip();
            if (block.isEmpty()) {
                continue;
            }
            int slash = block.indexOf('/');
            String ip = slash < 0 ? block : block.substring(0, slash);
            if (NetUtil.isValidIpV6Address(ip)) {
                // outrigger-init installs iptables rules, IPv4 only: an IPv6 range would fail it and hold the pod in Init.
                throw new InjectionException("annotation " + PREFIX + name + ": '" + block + "' is IPv6; only IPv4 ranges are captured");
            }
            boolean valid = NetUtil.isValidIpV4Address(ip);
            if (valid && slash >= 0) {
                try {
                    int bits = Integer.parseInt(block.substring(slash + 1));
                    valid = bits >= 0 && bits <= 32;
                } catch (NumberFormatException e) {
                    valid = false;
                }
            }
            if (!valid) {
                throw new InjectionException("annotation " + PREFIX + name + ": '" + block + "' is not an IPv4 range (CIDR)");
            }
            blocks.add(block);
        }
        return String.join(",", blocks);
    }
}
