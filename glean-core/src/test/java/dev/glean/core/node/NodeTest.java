package dev.glean.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NodeTest {
    /** The hand-written check agrees with the documented rule, edge lengths and characters included. */
    @Test
    void nodeNamesFollowTheRule() {
        Pattern rule = Pattern.compile(Node.NAME_RULE);
        List<String> names = List.of("n1", "web-01.dc2:a_b", "", "a".repeat(253), "a".repeat(254), "a b", "a/b", "ü", "a\n",
                "A-Z.0_9:", "-", "x\u0000");
        for (String name : names) {
            assertEquals(rule.matcher(name).matches(), Node.isValidName(name), "'" + name + "'");
        }
        assertEquals(false, Node.isValidName(null));
    }
}
