package io.outrigger.injection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.netty.util.NetUtil;

/**
 * The arguments of the pod's {@code outrigger-init}: the inbound ports to capture (the
 * containers' declared ports, or all when none is declared), and the pod's
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
                "--proxy-uid", "1337", "--inbound-ports", inboundPorts(pod)));
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

    /** The containers' TCP ports, in order; "*" when none is declared (a port not declared is still served). */
    private static String inboundPorts(Pod pod) {
        TreeSet<Integer> ports = new TreeSet<>();
        for (Container container : pod.getSpec().getContainers()) {
            for (ContainerPort port : container.getPorts()) {
                if (port.getContainerPort() != null && (port.getProtocol() == null || "TCP".equals(port.getProtocol()))) {
                    ports.add(port.getContainerPort());
                }
            }
        }
        return ports.isEmpty() ? "*" : String.join(",", ports.stream().map(String::valueOf).toList());
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
            boolean valid = NetUtil.isValidIpV4Address(ip) || NetUtil.isValidIpV6Address(ip);
            if (valid && slash >= 0) {
                try {
                    int bits = Integer.parseInt(block.substring(slash + 1));
                    valid = bits >= 0 && bits <= (NetUtil.isValidIpV4Address(ip) ? 32 : 128);
                } catch (NumberFormatException e) {
                    valid = false;
                }
            }
            if (!valid) {
                throw new InjectionException("annotation " + PREFIX + name + ": '" + block + "' is not an IP range (CIDR)");
            }
            blocks.add(block);
        }
        return String.join(",", blocks);
    }
}
