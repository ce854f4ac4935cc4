package dev.glean.core.schedule;

import java.util.List;
import java.util.Map;

/**
 * The admin's lending rules. Every rule that matches a node applies and the strictest of each limit wins, so a rule
 * for a label can never loosen a rule for one node (or the other way round).
 */
public record LendingPolicies(List<Rule> rules) {
    public static final LendingPolicies NONE = new LendingPolicies(List.of());

    public LendingPolicies {
        rules = List.copyOf(rules);
    }

    /** Matches the node named {@code node} (any node if null) that carries all of {@code labels}. */
    public record Rule(String node, Map<String, String> labels, LendingPolicy policy) {
        public Rule {
            labels = Map.copyOf(labels);
        }

        public static Rule forNode(String node, LendingPolicy p) {
            return new Rule(node, Map.of(), p);
        }

        public static Rule forLabel(String key, String value, LendingPolicy p) {
            return new Rule(null, Map.of(key, value), p);
        }

        public boolean matches(String name, Map<String, String> nodeLabels) {
            if (node != null && !node.equals(name)) {
                return false;
            }
            for (var kv : labels.entrySet()) {
                if (!kv.getValue().equals(nodeLabels.get(kv.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    public LendingPolicy forNode(String name, Map<String, String> labels) {
        LendingPolicy p = LendingPolicy.OPEN;
        for (Rule r : rules) {
            if (r.matches(name, labels)) {
                p = p.and(r.policy());
            }
        }
        return p;
    }
}
