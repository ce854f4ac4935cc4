package dev.glean.core.schedule;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

/** When a node may lend: always, in weekly windows of a time zone, or only when two such calendars both allow it. */
public sealed interface LendingHours {
    Always ALWAYS = new Always();

    boolean open(Instant t);

    /** Adds every instant in {@code (from, to]} at which {@link #open} may change. */
    void changes(Instant from, Instant to, List<Instant> out);

    default LendingHours and(LendingHours other) {
        if (this instanceof Always) {
            return other;
        }
        return other instanceof Always ? this : new Both(this, other);
    }

    record Always() implements LendingHours {
        @Override
        public boolean open(Instant t) {
            return true;
        }

        @Override
        public void changes(Instant from, Instant to, List<Instant> out) {}
    }

    /** Open while any of {@code windows} contains the local time in {@code zone}. */
    record Weekly(ZoneId zone, List<LendingWindow> windows) implements LendingHours {
        public Weekly {
            windows = List.copyOf(windows);
        }

        @Override
        public boolean open(Instant t) {
            var local = t.atZone(zone).toLocalDateTime();
            for (LendingWindow w : windows) {
                if (w.contains(local)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void changes(Instant from, Instant to, List<Instant> out) {
            LocalDate first = from.atZone(zone).toLocalDate().minusDays(1);
            LocalDate last = to.atZone(zone).toLocalDate().plusDays(1);
            for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                for (LendingWindow w : windows) {
                    if (!w.days().contains(d.getDayOfWeek())) {
                        continue;
                    }
                    // atZone moves a time that falls in a daylight-saving gap forward, which is when the clock resumes.
                    add(d.atTime(w.from()).atZone(zone).toInstant(), from, to, out);
                    add((w.wraps() ? d.plusDays(1) : d).atTime(w.to()).atZone(zone).toInstant(), from, to, out);
                }
            }
        }

        private static void add(Instant t, Instant from, Instant to, List<Instant> out) {
            if (t.isAfter(from) && !t.isAfter(to)) {
                out.add(t);
            }
        }
    }

    record Both(LendingHours a, LendingHours b) implements LendingHours {
        @Override
        public boolean open(Instant t) {
            return a.open(t) && b.open(t);
        }

        @Override
        public void changes(Instant from, Instant to, List<Instant> out) {
            a.changes(from, to, out);
            b.changes(from, to, out);
        }
    }
}
