package dev.glean.cli.commands;

import dev.glean.cli.CliException;
import java.util.regex.Pattern;

/** Job ids match [A-Za-z0-9_.:-]+ (Interfaces); anything else is a usage error before any request. */
final class Ids {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]+");

    private Ids() {}

    static String check(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new CliException(CliException.USAGE, "not a job id: '" + id + "'");
        }
        return id;
    }
}
