package dev.glean.sim.swarm;

import dev.glean.core.error.GleanException;
import java.net.URI;
import java.time.Duration;

/** The swarm's command line. */
record SwarmSettings(URI controller, int nodes, Duration warmup, Duration measure, boolean longPoll, int tasksPerRound,
        int taskSeconds, long seed, String prefix, java.nio.file.Path histogram,
        int joinPerSecond) {

    static final String USAGE = "usage: Swarm --controller URL --nodes N [--warmup SECONDS] [--measure SECONDS] [--no-long-poll]"
            + " [--tasks-per-round N (every 10 s; default nodes/100)] [--task-seconds S] [--seed S] [--prefix NAME]"
            + " [--histogram FILE] [--join-per-second N (default 1000)]";

    static SwarmSettings parse(String[] args) {
        URI controller = null;
        int nodes = -1;
        long warmup = 30;
        long measure = 30;
        boolean longPoll = true;
        Integer tasks = null;
        int taskSeconds = 20;
        long seed = 1;
        String prefix = "swarm";
        java.nio.file.Path histogram = null;
        int join = 1000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--no-long-poll")) {
                longPoll = false;
                continue;
            }
            if (i + 1 >= args.length) {
                throw GleanException.invalid(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--controller" -> controller = URI.create(v);
                case "--nodes" -> nodes = number(a, v);
                case "--warmup" -> warmup = number(a, v);
                case "--measure" -> measure = number(a, v);
                case "--tasks-per-round" -> tasks = number(a, v);
                case "--task-seconds" -> taskSeconds = number(a, v);
                case "--seed" -> seed = number(a, v);
                case "--prefix" -> prefix = v;
                case "--histogram" -> histogram = java.nio.file.Path.of(v);
                case "--join-per-second" -> join = Math.max(1, number(a, v));
                default -> throw GleanException.invalid("unknown option " + a);
            }
        }
        if (controller == null || controller.getHost() == null || nodes < 1) {
            throw GleanException.invalid("--controller URL and --nodes N (at least 1) are required");
        }
        return new SwarmSettings(controller, nodes, Duration.ofSeconds(warmup), Duration.ofSeconds(measure), longPoll,
                tasks != null ? tasks : Math.max(1, nodes / 100), taskSeconds, seed, prefix, histogram, join);
    }

    private static int number(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw GleanException.invalid(option + " must not be negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw GleanException.invalid(option + " takes a whole number: '" + v + "'");
        }
    }
}
