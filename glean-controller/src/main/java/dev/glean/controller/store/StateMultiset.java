package dev.glean.controller.store;

import dev.glean.core.job.JobState;
import java.util.AbstractCollection;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The task states of a job as counts (state -> how many tasks), seen as the collection of every task's state
 * so that {@link JobState#aggregate} can run on it without the store reading every task. Read-only; iterates
 * lazily in enum order.
 */
final class StateMultiset extends AbstractCollection<JobState> {
    private final EnumMap<JobState, Integer> counts = new EnumMap<>(JobState.class);
    private final int size;

    StateMultiset(Map<JobState, Integer> counts) {
        long total = 0;
        for (Map.Entry<JobState, Integer> e : counts.entrySet()) {
            if (e.getValue() > 0) {
                this.counts.put(e.getKey(), e.getValue());
                total += e.getValue();
            }
        }
        this.size = (int) Math.min(Integer.MAX_VALUE, total);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean contains(Object o) {
        return o instanceof JobState s && counts.containsKey(s);
    }

    @Override
    public Iterator<JobState> iterator() {
        Iterator<Map.Entry<JobState, Integer>> entries = counts.entrySet().iterator();
        return new Iterator<>() {
            private JobState state;
            private int left;

            @Override
            public boolean hasNext() {
                return left > 0 || entries.hasNext();
            }

            @Override
            public JobState next() {
                if (left == 0) {
                    if (!entries.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Map.Entry<JobState, Integer> e = entries.next();
                    state = e.getKey();
                    left = e.getValue();
                }
                left--;
                return state;
            }
        };
    }
}
