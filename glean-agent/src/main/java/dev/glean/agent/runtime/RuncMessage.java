package dev.glean.agent.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what runc prints (logrus lines like {@code time="..." level=error msg="runc create failed: ..."}, or
 * JSON log lines with a "msg" field) into one line fit for an error message.
 */
final class RuncMessage {
    private static final Pattern TEXT_MSG = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern JSON_MSG = Pattern.compile("\"msg\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final int MAX = 400;

    private RuncMessage() {}

    static String oneLine(String raw) {
        if (raw == null || raw.isBlank()) {
            return "no message";
        }
        List<String> messages = new ArrayList<>();
        for (String line : raw.split("\\R")) {
            Matcher m = TEXT_MSG.matcher(line);
            Matcher j = JSON_MSG.matcher(line);
            if (m.find()) {
                messages.add(unescape(m.group(1)));
            } else if (j.find()) {
                messages.add(unescape(j.group(1)));
            } else if (!line.isBlank()) {
                messages.add(line.trim());
            }
        }
        String joined = String.join("; ", messages).replaceAll("\\s+", " ").trim();
        return joined.length() <= MAX ? joined : joined.substring(0, MAX) + "...";
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                out.append(switch (n) {
                    case 'n' -> ' ';
                    case 't' -> ' ';
                    default -> n;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
