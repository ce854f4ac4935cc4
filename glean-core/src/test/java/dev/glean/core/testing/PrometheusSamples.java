package dev.glean.core.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A strict reader of the Prometheus text format for tests, written apart from glean's writer so that a mistake in
 * one is not mirrored in the other: every sample belongs to a family declared with HELP and TYPE before it,
 * label values are unescaped, and anything it does not understand fails the test.
 */
public final class PrometheusSamples {
    public record Sample(String name, Map<String, String> labels, double value) {}

    public final Map<String, String> types = new LinkedHashMap<>();
    public final Map<String, String> help = new HashMap<>();
    public final List<Sample> samples = new ArrayList<>();

    private PrometheusSamples() {}

    public static PrometheusSamples parse(String text) {
        PrometheusSamples p = new PrometheusSamples();
        String family = null;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                String rest = line.substring(7);
                int sp = rest.indexOf(' ');
                String name = rest.substring(0, sp);
                if (p.help.put(name, unescapeHelp(rest.substring(sp + 1))) != null) {
                    throw new AssertionError("HELP twice for " + name);
                }
                family = name;
            } else if (line.startsWith("# TYPE ")) {
                String[] f = line.substring(7).split(" ");
                if (f.length != 2 || !f[0].equals(family) || !List.of("counter", "gauge", "untyped", "summary", "histogram").contains(f[1])) {
                    throw new AssertionError("bad TYPE line (HELP must come first): " + line);
                }
                p.types.put(f[0], f[1]);
            } else if (line.startsWith("#")) {
                continue;
            } else {
                Sample s = sample(line);
                if (family == null || !s.name().startsWith(family) || !p.types.containsKey(family)) {
                    throw new AssertionError("sample outside its family: " + line);
                }
                p.samples.add(s);
            }
        }
        return p;
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new AssertionError("bad metric name: " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String ln = line.substring(i, eq);
                if (!ln.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
                    throw new AssertionError("bad label: " + line);
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        v.append(switch (n) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new AssertionError("bad escape \\" + n + " in " + line);
                        });
                    } else if (c == '\n') {
                        throw new AssertionError("raw line feed in a label: " + line);
                    } else {
                        v.append(c);
                    }
                    j++;
                }
                labels.put(ln, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        if (line.charAt(i) != ' ') {
            throw new AssertionError("no space before the value: " + line);
        }
        String[] rest = line.substring(i + 1).split(" ");
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        return new Sample(name, labels, value);
    }

    private static String unescapeHelp(String s) {
        return s.replace("\\n", "\n").replace("\\\\", "\\");
    }

    /** The one sample of {@code name} whose labels include {@code labels} (name, value pairs). */
    public Optional<Double> value(String name, String... labels) {
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name) && matches(s, labels)).toList();
        if (found.size() > 1) {
            throw new AssertionError(found.size() + " samples of " + name + " match " + List.of(labels));
        }
        return found.stream().findFirst().map(Sample::value);
    }

    private static boolean matches(Sample s, String... labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                return false;
            }
        }
        return true;
    }
}
